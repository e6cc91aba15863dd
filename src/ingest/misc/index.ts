// traceroute and nginx access logs (`kubectl logs`) register themselves here.
import { registerFormat } from '../registry';
import { tracerouteFormat } from './traceroute';
import { kubectlLogsFormat } from './nginxAccess';

registerFormat(tracerouteFormat);
registerFormat(kubectlLogsFormat);
