/** The shared vocabulary of Kube Packet Path. Start reading here. */
export * from './evidence';
export * from './net';
export * from './order';
export * from './kubernetes';
export * from './dns';
export * from './dnsNames';
export * from './kubeProxy';
export * from './kubeProxyNames';
export * from './cni';
export * from './host';
export * from './nodeState';
export * from './kubeEvent';
export * from './packet';
export * from './capture';
export * from './facts';
export * from './clusterModel';
export * from './evidenceRole';
