/** `--format sarif` output validated against the OASIS SARIF 2.1.0 JSON schema (vendored, see fixtures/sarif/README.md). */
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { toSarif } from "../../../cli/report/sarif";
import type { Report } from "../../../cli/report/model";
import { cli } from "../../support/cli";
import { FIXTURES, REPO_ROOT } from "../../support/paths";

const ROOT = REPO_ROOT;


function sarifValidator() {
    const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, "sarif", "sarif-2.1.0-rtm.5.json"), "utf8"));
    // Draft-04 names the schema id "id"; ajv 8 reads "$id". Nothing else in this schema is draft-04 only.
    schema.$id = schema.id;
    delete schema.id;
    delete schema.$schema;
    // The schema's `language` pattern has a stray "]" that is only legal without the u flag.
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const fn = ajv.compile(schema);
    // A plain boolean check: ajv's type guard would narrow the parsed log to `unknown`.
    return Object.assign((data: unknown): boolean => fn(data), { get errors() { return fn.errors; } });
}

describe("SARIF output", () => {
    const validate = sarifValidator();
    const errorsOf = () => JSON.stringify(validate.errors?.slice(0, 5), null, 1);

    it("the validator is strict enough to refuse a broken log", () => {
        expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false); // driver.name is required
        expect(validate({ version: "2.0.0", runs: [] })).toBe(false);
        expect(validate({ version: "2.1.0", runs: [{ tool: { driver: { name: "x" } }, results: [{ message: { text: "m" }, level: "fatal" }] }] })).toBe(false);
    });

    it("check: a valid log with rules from the pack, error-level results and file/line locations", async () => {
        const r = await cli(["check", "test/fixtures/manifests/chart-output", "test/fixtures/manifests/broken.yaml", "--format", "sarif"]);
        expect(r.code).toBe(2);
        const log = JSON.parse(r.stdout);
        if (!validate(log)) throw new Error(errorsOf());
        const run = log.runs[0];
        expect(run.tool.driver.name).toBe("imagegate");
        expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(["trusted-registries", "require-digest", "no-latest-tag"]));
        const result = run.results.find((x: { ruleId: string; message: { text: string } }) => x.ruleId === "no-latest-tag" && x.message.text.includes("release-web-cleanup"));
        expect(result).toMatchObject({
            level: "error",
            locations: [
                {
                    logicalLocations: [{ fullyQualifiedName: "urn:pulumi:check::manifests::kubernetes:batch/v1:CronJob::test/fixtures/manifests/chart-output/web.yaml#3:release-web-cleanup", kind: "resource" }],
                    physicalLocation: { artifactLocation: { uri: "test/fixtures/manifests/chart-output/web.yaml", uriBaseId: "%SRCROOT%" }, region: { startLine: 82, startColumn: 22 } },
                },
            ],
        });
        expect(run.results[0].ruleIndex).toBe(run.tool.driver.rules.findIndex((x: { id: string }) => x.id === run.results[0].ruleId));
        expect(run.invocations[0].executionSuccessful).toBe(false);
        expect(run.invocations[0].toolExecutionNotifications.length).toBe(2);
    });

    it("preview: a valid log whose logical locations are the resource URNs; advisory findings are warnings", async () => {
        const r = await cli(["preview", "--program", "test/fixtures/programs/basic", "--policy-config", "test/fixtures/programs/all-advisory.json", "--format", "sarif"]);
        expect(r.code).toBe(0);
        const log = JSON.parse(r.stdout);
        if (!validate(log)) throw new Error(errorsOf());
        const results = log.runs[0].results;
        expect(results.length).toBeGreaterThan(0);
        expect(results.every((x: { level: string }) => x.level === "warning")).toBe(true);
        expect(results.map((x: { locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }) => x.locations[0].logicalLocations[0].fullyQualifiedName)).toContain(
            "urn:pulumi:dev::basic-fixture::kubernetes:core/v1:Pod::debug",
        );
    });

    it("maps every enforcement level to a SARIF level, also for findings of a policy missing from the rules", () => {
        const base = { urn: "urn:x", type: "t:m:K", name: "n", description: "d", message: "m", severity: "" };
        const report: Report = {
            command: "preview",
            pack: { name: "p", version: "1" },
            policies: [],
            resources: [],
            errors: [],
            findings: [
                { ...base, policy: "a", level: "mandatory" },
                { ...base, policy: "b", level: "advisory" },
                { ...base, policy: "c", level: "remediate" },
            ],
        };
        const log = toSarif(report, "0.1.0");
        expect(validate(log)).toBe(true);
        expect(log.runs[0].results!.map((x) => x.level)).toEqual(["error", "warning", "note"]);
    });
});
