// Types of serving-flags.js, for src/runtime/workers.ts and the tests.
export declare function semiSpaceMb(value?: string): number;
export declare function semiSpaceSet(execArgv?: readonly string[], nodeOptions?: string): boolean;
export declare function servingRelaunch(argv?: readonly string[], execArgv?: readonly string[], env?: Record<string, string | undefined>): string[] | undefined;
