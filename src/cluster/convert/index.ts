/** Object → fact converters for API objects (pure; shared by the live reader and tests). */
export { nodeFact, podFact, serviceFact, endpointSliceFact, workloadFact } from './objects';
export { kubeProxyFromConfigMap, flannelFromConfigMap, clusterDnsFromConfigMap, type ConfigMapReading } from './configMaps';
export { clusterEvidence, parseClusterUri } from './evidence';
