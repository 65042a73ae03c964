/**
 * @pulumi/policy signals "not applicable" by throwing its NotApplicableError. Every policy sees every
 * resource, so with a pack of two dozen policies most calls end that way, and capturing a stack trace
 * for each exception was the largest cost of the pack's own work (bench/profile.ts). The SDK never
 * reads that stack, so it is not captured.
 */
export function notApplicable(args: { notApplicable(reason?: string): never }, reason: string): never {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        return args.notApplicable(reason);
    } finally {
        Error.stackTraceLimit = limit;
    }
}
