/**
 * A temporary pack directory that loads the imagegate pack from its TypeScript sources, the way
 * `pulumi preview --policy-pack` runs a TypeScript pack by default (ts-node, type-checked).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function makeTsPack(root: string): { dir: string; dispose(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "imagegate-ts-pack-"));
    fs.copyFileSync(path.join(root, "policies", "PulumiPolicy.yaml"), path.join(dir, "PulumiPolicy.yaml"));
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: "imagegate-policies-ts", version: "0.1.0", private: true, main: path.join(root, "policies", "index.ts") }, null, 2),
    );
    // The pack resolves @pulumi/policy and @pulumi/pulumi (and ts-node) from the project's install.
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
    return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
