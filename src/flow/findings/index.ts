export { clusterIpTraceroute } from './clusterIpTraceroute';
export { headlessSpread } from './headlessSpread';
export { bridgeFlooding } from './bridgeFlooding';
export { mtuMss } from './mtuMss';
export { dnsSearchAmplification } from './dnsSearchAmplification';
export { nothingAnswers } from './nothingAnswers';
