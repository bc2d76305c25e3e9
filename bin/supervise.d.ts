// Types of supervise.js, for the tests.
export declare function supervise(argv: readonly string[]): void;
export declare function watchSupervisor(env?: Record<string, string | undefined>): boolean;
