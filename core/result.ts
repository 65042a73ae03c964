/**
 * The one failure shape of the core. Every verdict or parse that can fail without throwing returns
 * `{ ok: false, failure }`, where the failure has a stable `code` (for programs and tests) and a
 * `message` (a sentence for the person reading a policy violation). Config validation is the one
 * exception on purpose: it collects every error of a config at once (`errors: string[]`), so a user
 * fixes them all in one round.
 */
export interface Failure<C extends string = string> {
    readonly code: C;
    /** What is wrong, phrased for a person reading a policy violation. */
    readonly message: string;
}

/** A value, or why there is none. */
export type Result<T, C extends string = string> = { readonly ok: true; readonly value: T } | Failed<C>;

/** The failing half of every core result, whatever the success half carries. */
export interface Failed<C extends string = string> {
    readonly ok: false;
    readonly failure: Failure<C>;
}

export function fail<C extends string>(code: C, message: string): Failed<C> {
    return { ok: false, failure: { code, message } };
}

export function succeed<T>(value: T): { readonly ok: true; readonly value: T } {
    return { ok: true, value };
}
