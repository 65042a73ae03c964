/**
 * App Service's `linuxFxVersion` / `windowsFxVersion`: `DOCKER|<image>` runs one image,
 * `COMPOSE|<base64 compose file>` one per service; any other stack (`NODE|20-lts`) runs none.
 */
import { parse as parseYaml } from "yaml";
import { isObj } from "./fields";
import type { ImageSite } from "./types";

/** The images of one fx-version value at `path`; `rewritable` is false when the value itself was computed. */
export function fxVersionSites(value: string, path: string, rewritable: boolean, out: ImageSite[]): void {
    const bar = value.indexOf("|");
    if (bar === -1) return; // "" or "v4.0": no container.
    const scheme = value.slice(0, bar).toUpperCase();
    const rest = value.slice(bar + 1);
    if (scheme === "DOCKER") {
        out.push({ path, value: rest, prefix: value.slice(0, bar + 1), ...(rewritable ? {} : { rewritable: false }) });
    } else if (scheme === "COMPOSE") {
        composeSites(rest, path, out);
    }
}

function composeSites(encoded: string, path: string, out: ImageSite[]): void {
    let doc: unknown;
    try {
        const text = Buffer.from(encoded, "base64").toString("utf8");
        doc = parseYaml(text);
    } catch (e) {
        out.push({ path, value: undefined, problem: `COMPOSE value is not base64-encoded YAML (${(e as Error).message})` });
        return;
    }
    const services = isObj(doc) ? doc.services : undefined;
    if (!isObj(services)) {
        out.push({ path, value: undefined, problem: "COMPOSE value has no services" });
        return;
    }
    for (const [name, svc] of Object.entries(services)) {
        out.push({ path: `${path}(compose services.${name}.image)`, value: isObj(svc) ? svc.image : undefined, container: name, rewritable: false });
    }
}
