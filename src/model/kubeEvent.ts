import type { Sourced } from './evidence';

/**
 * One row of `kubectl get events` (or `kubectl events`): what a Kubernetes component reported about
 * an object, e.g. `Warning  FailedCreatePodSandBox  pod/web-1  Failed create pod sandbox: … failed to
 * set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24`.
 */
export interface KubeEvent extends Sourced {
  kind: 'KubeEvent';
  /** The event's namespace (the NAMESPACE column of `-A`), when printed. */
  namespace?: string;
  /** `Normal` or `Warning` as printed (other values are kept as they are). */
  type: string;
  /** `FailedCreatePodSandBox`, `BackOff`, `Unhealthy`, `FailedScheduling`, `NetworkNotReady` … */
  reason: string;
  /** The object it is about: its kind as printed (`pod`, `Pod`, `Broker`) and name. */
  object: { kind: string; name: string };
  /** The part of the object (`spec.containers{coredns}`), when the layout prints it. */
  subobject?: string;
  /** Who reported it (`kubelet, node1`, `default-scheduler`), when the layout prints it. */
  source?: string;
  message: string;
  /** As printed: `19m`, `9m33s`, `<unknown>`, `2019-07-05T15:01:04Z`. */
  lastSeen?: string;
  firstSeen?: string;
  /** How many times it happened (the COUNT column of the old and the wide layouts). */
  count?: number;
}
