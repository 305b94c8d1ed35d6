// The CloudEvents `source` of everything the AWS deployment publishes (the local CLI says
// urn:redis-ha:local): subscribers of one topic can tell the control plane's events apart.

export const AWS_EVENT_SOURCE = 'urn:redis-ha:aws';
