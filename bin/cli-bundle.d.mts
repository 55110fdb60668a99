// Types of bin/cli-bundle.mjs for the TypeScript that imports it (the benches).
export declare const CLI_OUT: string;
export declare function compile(entries: Record<string, string>, outdir: string): Promise<void>;
export declare function bundleIsFresh(): boolean;
export declare function buildBundle(): Promise<void>;
export declare function loadMain(): Promise<(argv: string[]) => Promise<number>>;
