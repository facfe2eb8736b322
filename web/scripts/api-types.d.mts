/** Types of web/scripts/api-types.mjs, for the drift test (test/unit/console-api-types.test.ts). */
export declare const SCHEMA_FILE: string;
export declare function managementDocument(doc: unknown): unknown;
export declare function renderApiTypes(doc: unknown): Promise<string>;
export declare function openapiDocument(modules: {
  buildApp: (rt: never, options?: { logger?: boolean }) => Promise<{ ready(): PromiseLike<unknown>; swagger(): unknown; close(): PromiseLike<unknown> }>;
  createRuntime: (options: never) => Promise<{ close(): Promise<void> }>;
  loadConfig: (env: NodeJS.ProcessEnv, overrides: never) => unknown;
}): Promise<unknown>;
