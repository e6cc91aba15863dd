// traceroute, kube-proxy's log and nginx access logs (`kubectl logs`) register themselves here.
import { registerFormat } from '../registry';
import { tracerouteFormat } from './traceroute';
import { kubectlLogsFormat } from './nginxAccess';
import { kubeProxyLogFormat } from './kubeProxyLog';

registerFormat(tracerouteFormat);
// Before the nginx reader: `kubectl logs kube-proxy-…` is kube-proxy's log.
registerFormat(kubeProxyLogFormat);
registerFormat(kubectlLogsFormat);
