// Types of entry.js, for the tests.
export declare function chooseEntry(root: string, env?: Record<string, string | undefined>): { use: 'dist' } | { use: 'src'; stale: boolean };
export declare function distEntry(root: string, env?: Record<string, string | undefined>): string;
