/**
 * `imagegate allowed-images-regex [--allow-tags] [--gatekeeper] REGISTRY...`: prints the regex for
 * Azure Policy's allowedContainerImagesRegex (built-in febd0533…), or with --gatekeeper the CEL
 * ConstraintTemplate and Constraint as YAML, generated from the same trust entries the
 * trusted-registries policy takes. Returns the exit code; writes only through `io`.
 */
import { stringify } from "yaml";
import { parseTrustEntries } from "../../core/trust";
import { allowedImagesRegex } from "../../core/admission/image-regex";
import { constraint, constraintTemplate } from "../../core/admission/gatekeeper-cel";

export interface CommandIo {
    stdout(text: string): void;
    stderr(text: string): void;
}

export const ALLOWED_IMAGES_REGEX_USAGE = `usage: imagegate allowed-images-regex [--allow-tags] [--gatekeeper] REGISTRY...

Prints the anchored RE2 regex that admits exactly the images trusted-registries (and, unless
--allow-tags, require-digest) accept, for Azure Policy's allowedContainerImagesRegex.

  REGISTRY       a trust entry as in trusted-registries' registries: "contoso.azurecr.io",
                 "mcr.microsoft.com/oss/" (repositories below it), "docker.io/library/nginx"
  --allow-tags   admit tag references too (pair with the "no latest tag" built-in)
  --gatekeeper   print the Gatekeeper CEL ConstraintTemplate and Constraint (YAML) instead
`;

export function allowedImagesRegexCommand(argv: readonly string[], io: CommandIo): number {
    let allowTags = false;
    let gatekeeper = false;
    const registries: string[] = [];
    for (const arg of argv) {
        if (arg === "--allow-tags") allowTags = true;
        else if (arg === "--gatekeeper") gatekeeper = true;
        else if (arg === "--help" || arg === "-h") {
            io.stdout(ALLOWED_IMAGES_REGEX_USAGE);
            return 0;
        } else if (arg.startsWith("-")) {
            io.stderr(`allowed-images-regex: unknown option ${arg}\n${ALLOWED_IMAGES_REGEX_USAGE}`);
            return 2;
        } else registries.push(arg);
    }
    if (registries.length === 0) {
        io.stderr(`allowed-images-regex: name at least one trusted registry\n${ALLOWED_IMAGES_REGEX_USAGE}`);
        return 2;
    }
    const { entries, errors } = parseTrustEntries(registries);
    if (errors.length) {
        // Errors are indexed among the REGISTRY arguments.
        io.stderr(errors.map((e) => `allowed-images-regex: REGISTRY${e}\n`).join(""));
        return 2;
    }
    const options = { requireDigest: !allowTags };
    if (gatekeeper) {
        io.stdout(`${stringify(constraintTemplate())}---\n${stringify(constraint(entries, options))}`);
    } else {
        io.stdout(`${allowedImagesRegex(entries, options).pattern}\n`);
    }
    return 0;
}
