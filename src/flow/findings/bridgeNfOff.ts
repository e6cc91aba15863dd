import type { TraceContext } from '../context';
import { translatedLeg } from '../correlate/connections';
import type { Finding } from '../types';
import { breakAt, ends, findStep, ipOf, isRst, linesOf } from './breaks';

const SETTING = 'net.bridge.bridge-nf-call-iptables';

/**
 * The reply of a DNATed connection reaches the client from the endpoint's own address: it was
 * bridged inside cni0 without passing iptables, so conntrack never un-DNATed it, and the client,
 * which talked to the ClusterIP, answers RST. `bridge-nf-call-iptables = 0` (or br_netfilter not
 * loaded) is what lets bridged frames skip iptables.
 */
export function bridgeNfOff(ctx: TraceContext): Finding[] {
  const connection = ctx.connection;
  if (!connection || connection.protocol !== 'tcp') return [];
  const translated = translatedLeg(connection);
  if (!translated || ipOf(translated.from) !== ipOf(connection.client)) return [];
  const sent = connection.original.sightings[0];
  const clientSide = sent?.packet.interface;
  if (!clientSide) return [];
  // The reply as the client's own veth carries it to the client (the same capture that shows the
  // client sending): from the pod, not from the ClusterIP.
  const raw = connection.sightings.find(
    (sighting) =>
      sighting.packet.interface === clientSide &&
      sighting.site === sent.site &&
      ends(sighting).from === translated.to &&
      ends(sighting).to === connection.client &&
      !sighting.encapsulated,
  );
  if (!raw) return [];
  const refused = connection.sightings.find(
    (sighting) => isRst(sighting) && ends(sighting).from === connection.client && ends(sighting).to === translated.to,
  );
  const node = raw.site?.node;
  const settings = ctx.model
    .all('KernelSetting')
    .filter(
      (setting) =>
        setting.name === SETTING && (node === undefined || setting.host === undefined || setting.host === node),
    );
  if (settings.some((setting) => setting.value.trim() === '1')) return [];
  const off = settings.find((setting) => setting.value.trim() === '0' || setting.missing);
  const unDnat = findStep(ctx.b, (step) => step.nat?.type === 'un-DNAT', 'reply');
  const evidence = [...linesOf([raw.packet, refused?.packet]), ...settings.flatMap((setting) => setting.evidence)];
  const cause = off
    ? off.missing
      ? `br_netfilter is not loaded on ${node ?? 'the node'} (${SETTING} does not exist)`
      : `${SETTING} = 0 on ${node ?? 'the node'}`
    : `bridged frames skip iptables (likely ${SETTING} = 0 or br_netfilter not loaded: check with \`sysctl ` +
      `${SETTING}\`)`;
  return [
    {
      id: 'bridge-nf-call-iptables-off',
      severity: 'error',
      title: `Reply not un-DNATed: ${cause}`,
      message:
        `The reply reached the client from the pod address ${translated.to}, not from ` +
        `${connection.original.to} it had called: the pod's answer was bridged inside the bridge ` +
        'without passing iptables, so conntrack never rewrote it back' +
        `${refused ? ', and the client answered RST' : ''}. Cause: ${cause}.`,
      evidence,
      fix:
        `modprobe br_netfilter and sysctl -w ${SETTING}=1 on ${node ?? 'every node'} (persist it in ` +
        `/etc/sysctl.d/), as kubeadm's preflight requires.`,
      ...(unDnat ? breakAt(ctx.b, unDnat, 'contradicted', evidence) : {}),
    },
  ];
}
