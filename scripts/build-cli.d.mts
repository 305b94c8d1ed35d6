// Types of scripts/build-cli.mjs for the TypeScript that imports it (the tests).

/** The CLI needs node:sqlite (the local store): Node.js 24 or later. */
export declare const MIN_NODE_MAJOR: number;
/** The bundled CLI, relative to the project root. */
export declare const OUT_FILE: string;
/** Why this Node cannot run the CLI, or undefined when it can. */
export declare function nodeVersionProblem(version: string, execPath: string): string | undefined;
/** Why the build in `root` must be (re)made, or undefined when it is current. */
export declare function staleReason(root: string): string | undefined;
/** Bundles the CLI into `root`/dist. */
export declare function buildCli(root: string): Promise<{ bytes: number; durationMs: number }>;
