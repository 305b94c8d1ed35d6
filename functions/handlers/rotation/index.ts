// Entry of the rotation Lambda: the handler of rotation-handler.ts on the AWS dependencies its
// environment names (built on the first event, kept for the environment's life).
import { awsRotationDeps } from './aws-deps';
import { createRotationHandler } from './rotation-handler';

export { createRotationHandler } from './rotation-handler';

export const handler = createRotationHandler(awsRotationDeps(process.env));
