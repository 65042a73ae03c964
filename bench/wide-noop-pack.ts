/**
 * A no-op pack with as many resource policies as the imagegate pack: @pulumi/policy deserializes a
 * resource's properties once per policy, so this baseline separates the SDK's per-policy cost from
 * the work imagegate's policies do themselves.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function makeWideNoopPack(root: string, policies: number): { dir: string; dispose(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-noop-wide-"));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\ndescription: no-op policies, as many as imagegate has\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "noop-wide", version: "0.1.0", private: true, main: "index.js" }));
    fs.writeFileSync(
        path.join(dir, "index.js"),
        [
            'const { PolicyPack } = require("@pulumi/policy");',
            `const policies = Array.from({ length: ${policies} }, (_, i) => ({ name: "noop-" + i, description: "Accepts every resource.", validateResource: () => {} }));`,
            'new PolicyPack("noop-wide", { enforcementLevel: "mandatory", policies });',
            "",
        ].join("\n"),
    );
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
