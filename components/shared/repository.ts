/** Repository paths, checked with the project's one reference parser (core/reference.ts). */
import { DOCKER_HUB, parseReference, splitDomain } from "../../core/reference";

/** Throws unless `repository` is a bare repository path (`team/app`): lowercase components, no registry, tag or digest. */
export function requireRepository(repository: unknown, what: string): string {
    if (typeof repository !== "string" || repository === "") throw new Error(`${what} is required (e.g. "team/app")`);
    // A placeholder registry host makes the parser treat the whole value as the path.
    const parsed = parseReference(`registry.invalid/${repository}`);
    if (!parsed.ok) throw new Error(`${what} "${repository}": ${parsed.failure.message}`);
    if (parsed.ref.tag !== undefined || parsed.ref.digest !== undefined || parsed.ref.path !== repository) {
        throw new Error(`${what} "${repository}" must be a repository path only, without registry, tag or digest`);
    }
    // A first component the runtime would read as a registry host (has '.' or ':', or is localhost).
    if (splitDomain(repository).domain !== DOCKER_HUB) {
        throw new Error(`${what} "${repository}" must be a repository path only, without registry, tag or digest (its first component reads as a registry host)`);
    }
    return repository;
}
