export * from './correlation';
export * from './correlate';
export * from './packetKey';
export * from './vethOwnership';
export * from './timing';
export * from './dnsQuestions';
