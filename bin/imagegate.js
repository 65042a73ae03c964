#!/usr/bin/env node
// The imagegate CLI; built by `npm run build` (tsc) into dist/.
const path = require("path");
const main = path.join(__dirname, "..", "dist", "cli", "main.js");
let mod;
try {
    mod = require(main);
} catch (e) {
    if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes(main)) {
        process.stderr.write("imagegate: dist/cli/main.js not found; run `npm run build` first\n");
        process.exit(2);
    }
    throw e;
}
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), isTTY: process.stdout.isTTY };
mod.main(process.argv.slice(2), io).then((code) => {
    // Pulumi's runtime may hold handles open after a preview; the report is written, so leave.
    process.stdout.write("", () => process.exit(code));
});
