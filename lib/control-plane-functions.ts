// How each Lambda is built: one small ESM bundle per handler, made by the local esbuild (never
// Docker), Node 24 on arm64, with the pinned AWS SDK bundled instead of the runtime's copy.
// lib/ points esbuild at the handler entry files by path and never imports them.
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Runtime, type ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root (lib/..): esbuild's project root and where package-lock.json lives. */
export const PROJECT_ROOT = join(import.meta.dirname, '..');

/** The three functions of the control plane. */
export type ControlPlaneFunctionName = 'probe' | 'rotation' | 'api';

/** esbuild entry file of a function, relative to the repository root. */
export function functionEntry(name: ControlPlaneFunctionName): string {
  return `functions/handlers/${name}/index.ts`;
}

/** Every function's esbuild entry, relative to the repository root (for the README and bench/). */
export const FUNCTION_ENTRIES: Readonly<Record<ControlPlaneFunctionName, string>> = {
  probe: functionEntry('probe'),
  rotation: functionEntry('rotation'),
  api: functionEntry('api'),
};

/**
 * ioredis (CommonJS) calls `require`, which an ESM bundle lacks: give the bundle one. Single
 * quotes only: the banner reaches esbuild as a JSON-quoted command-line argument.
 */
export const REQUIRE_SHIM_BANNER =
  "import { createRequire as __redisHaCreateRequire } from 'node:module'; const require = __redisHaCreateRequire(import.meta.url);";

/** The esbuild options every function is bundled with. */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  // The nodejs24.x default leaves `@aws-sdk/*` to the runtime's unpinned copy: bundle ours.
  bundleAwsSDK: true,
  externalModules: [],
  banner: REQUIRE_SHIM_BANNER,
  // index.meta.json beside the bundle, so a test or benchmark can list what each bundle holds.
  metafile: true,
  forceDockerBundling: false,
};

/**
 * `BUNDLING` for one function: NodejsFunction's single-file build, then the same build with
 * code splitting over it (scripts/split-bundle.mjs), so that the clients a handler imports
 * lazily load on the first request that needs them instead of at every cold start. Runs on the
 * synthesizing machine, with the local esbuild, like the first build.
 */
export function bundlingFor(name: ControlPlaneFunctionName): BundlingOptions {
  return {
    ...BUNDLING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => [
        `node "${join(inputDir, 'scripts/split-bundle.mjs')}" "${join(inputDir, functionEntry(name))}" "${outputDir}" "${REQUIRE_SHIM_BANNER}"`,
      ],
    },
  };
}

/** What differs between the functions. */
export interface ControlPlaneFunctionProps {
  readonly name: ControlPlaneFunctionName;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySizeMb: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly vpc: IVpc;
  readonly vpcSubnets: SubnetSelection;
  readonly securityGroup: ISecurityGroup;
  readonly logGroup: ILogGroup;
  readonly layers: readonly ILayerVersion[];
  /**
   * Where a failed asynchronous invocation (a schedule's) goes; such invocations are never
   * retried and dropped after a minute. Absent: the function is only invoked synchronously.
   */
  readonly onAsyncFailure?: IDestination;
}

/** A control-plane Lambda: Node 24, arm64, in the VPC, bundled with `BUNDLING`. */
export function controlPlaneFunction(
  scope: Construct,
  id: string,
  props: ControlPlaneFunctionProps,
): NodejsFunction {
  return new NodejsFunction(scope, id, {
    entry: join(PROJECT_ROOT, functionEntry(props.name)),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    description: props.description,
    timeout: props.timeout,
    memorySize: props.memorySizeMb,
    environment: { ...props.environment },
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    securityGroups: [props.securityGroup],
    logGroup: props.logGroup,
    layers: [...props.layers],
    bundling: bundlingFor(props.name),
    ...(props.onAsyncFailure && {
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      onFailure: props.onAsyncFailure,
    }),
  });
}
