/**
 * IP address ranges as Azure network rules write them (AKS `authorizedIPRanges`, ACR `ipRules`):
 * parsed to numeric intervals, and measured as the public address space a whole list admits
 * together. A list is judged by that total, not entry by entry: `["0.0.0.0/1", "128.0.0.0/1"]` is the
 * whole internet although neither entry is `/0`, and a hundred /17s are as open as a /10. Private and
 * other non-routable space (RFC 1918, CGNAT, loopback, link-local, documentation, multicast, ULA, …)
 * admits nobody from the internet and counts for nothing.
 *
 * The one owner of CIDR arithmetic: the hardening policies and the SecureCluster / SecureRegistry
 * validators call it, so a range is read and measured the same way at preview and at construction.
 * Pure; addresses are bigints so IPv4 and IPv6 share one code path.
 */
import { isIPv4, isIPv6 } from "node:net";

export type IpFamily = "IPv4" | "IPv6";

/** A CIDR range (or one address) as the interval [first, last]. */
export interface IpRange {
    readonly family: IpFamily;
    readonly first: bigint;
    readonly last: bigint;
    readonly prefix: number;
}

/** What an Azure service tag written where a range is expected stands for. */
export type ServiceTagScope =
    /** `Internet`, `*`, `Any`: every address. */
    | "everything"
    /** `VirtualNetwork`, `AzureLoadBalancer`: addresses that are not on the internet. */
    | "not-public"
    /** `AzureCloud`, `AzureDevOps`, …: public addresses shared by every customer of a Microsoft service. */
    | "shared";

export type RangeEntry =
    | { readonly kind: "range"; readonly text: string; readonly range: IpRange }
    | { readonly kind: "service-tag"; readonly text: string; readonly scope: ServiceTagScope }
    | { readonly kind: "invalid"; readonly text: string };

const BITS: Record<IpFamily, number> = { IPv4: 32, IPv6: 128 };

function ipv4ToBigint(text: string): bigint {
    return text.split(".").reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

/** Expands an IPv6 address (validated by node:net first) to its 128-bit value. */
function ipv6ToBigint(text: string): bigint {
    let t = text;
    // `::ffff:192.0.2.1`: a dotted tail is the last two 16-bit groups.
    const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
    if (tail) {
        const v4 = ipv4ToBigint(tail[1]);
        t = `${t.slice(0, -tail[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, rest] = t.includes("::") ? t.split("::") : [t, undefined];
    const h = head ? head.split(":") : [];
    const r = rest ? rest.split(":") : [];
    const groups = rest === undefined ? h : [...h, ...Array(8 - h.length - r.length).fill("0"), ...r];
    return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const TAG = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?$/;
/** Microsoft service tags not named Azure…/Microsoft… (a regional suffix `.westeurope` may follow). */
const OTHER_SHARED_TAGS = new Set(["apimanagement", "appservice", "appservicemanagement", "batchnodemanagement", "datafactory", "eventhub", "gatewaymanager", "hdinsight", "logicapps", "powerbi", "powerplatforminfra", "servicebus", "sql", "storage"]);

function serviceTagScope(text: string): ServiceTagScope | undefined {
    const t = text.toLowerCase();
    if (t === "*" || t === "any" || t === "internet") return "everything";
    if (!TAG.test(text)) return undefined;
    if (t === "virtualnetwork" || t === "azureloadbalancer") return "not-public";
    const base = t.split(".")[0];
    if (base.startsWith("azure") || base.startsWith("microsoft") || OTHER_SHARED_TAGS.has(base)) return "shared";
    return undefined;
}

/** One entry of a range list: an address, a CIDR range, a service tag, or something else. */
export function parseRangeEntry(raw: string): RangeEntry {
    const text = raw.trim();
    const tag = serviceTagScope(text);
    if (tag) return { kind: "service-tag", text, scope: tag };
    const slash = text.indexOf("/");
    const addr = slash === -1 ? text : text.slice(0, slash);
    const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
    const family: IpFamily | undefined = isIPv4(addr) ? "IPv4" : isIPv6(addr) && !addr.includes("%") ? "IPv6" : undefined;
    if (!family) return { kind: "invalid", text };
    const bits = BITS[family];
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return { kind: "invalid", text };
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (prefix > bits) return { kind: "invalid", text };
    const value = family === "IPv4" ? ipv4ToBigint(addr) : ipv6ToBigint(addr);
    const size = 1n << BigInt(bits - prefix);
    // Host bits after the prefix are ignored, as a router would: 203.0.113.7/24 is 203.0.113.0/24.
    const first = (value / size) * size;
    return { kind: "range", text, range: { family, first, last: first + size - 1n, prefix } };
}

// ---------------------------------------------------------------------------------------------
// Interval sets
// ---------------------------------------------------------------------------------------------

interface Interval {
    readonly first: bigint;
    readonly last: bigint;
}

/** Sorted, merged intervals covering the same addresses. */
function union(intervals: readonly Interval[]): Interval[] {
    const sorted = [...intervals].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    const out: { first: bigint; last: bigint }[] = [];
    for (const i of sorted) {
        const top = out[out.length - 1];
        if (top && i.first <= top.last + 1n) {
            if (i.last > top.last) top.last = i.last;
        } else {
            out.push({ first: i.first, last: i.last });
        }
    }
    return out;
}

/** `a` minus `b`, both sorted and merged. */
function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
    const out: Interval[] = [];
    for (const i of a) {
        let first = i.first;
        for (const hole of b) {
            if (hole.last < first || hole.first > i.last) continue;
            if (hole.first > first) out.push({ first, last: hole.first - 1n });
            first = hole.last + 1n;
            if (first > i.last) break;
        }
        if (first <= i.last) out.push({ first, last: i.last });
    }
    return out;
}

/** Number of addresses in both sets (sorted, merged). */
function overlapSize(a: readonly Interval[], b: readonly Interval[]): bigint {
    let total = 0n;
    let j = 0;
    for (const i of a) {
        while (j < b.length && b[j].last < i.first) j++;
        for (let k = j; k < b.length && b[k].first <= i.last; k++) {
            const first = i.first > b[k].first ? i.first : b[k].first;
            const last = i.last < b[k].last ? i.last : b[k].last;
            if (last >= first) total += last - first + 1n;
        }
    }
    return total;
}

const size = (set: readonly Interval[]): bigint => set.reduce((n, i) => n + i.last - i.first + 1n, 0n);

function cidr(text: string): Interval {
    const e = parseRangeEntry(text);
    if (e.kind !== "range") throw new Error(`internal: bad CIDR ${text}`);
    return e.range;
}

/**
 * IPv4 space no internet client can come from: IANA's special-purpose registry entries that are not
 * globally reachable (RFC 6890; 192.0.0.9 and 192.0.0.10 are), plus multicast and the reserved /4.
 */
const IPV4_NOT_PUBLIC = union([
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/29", "192.0.0.8/32", "192.0.0.11/32", "192.0.0.12/30", "192.0.0.16/28", "192.0.0.32/27",
    "192.0.0.64/26", "192.0.0.128/25", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
].map(cidr));
const IPV4_PUBLIC = subtract([cidr("0.0.0.0/0")], IPV4_NOT_PUBLIC);

/**
 * Public IPv6 space: the global unicast block IANA allocates from (2000::/3), less its documentation
 * and benchmarking blocks. Everything else (ULA fc00::/7, link-local, multicast, loopback, …) is not
 * reachable from the internet. IPv4-mapped addresses (::ffff:0:0/96) are measured as IPv4.
 */
const IPV6_PUBLIC = subtract([cidr("2000::/3")], union(["2001:db8::/32", "2001:2::/48", "3fff::/20"].map(cidr)));
const IPV4_MAPPED = cidr("::ffff:0:0/96");

export const PUBLIC_IPV4_ADDRESSES = size(IPV4_PUBLIC);
export const PUBLIC_IPV6_ADDRESSES = size(IPV6_PUBLIC);

/** The public addresses a set of ranges admits together, per family. */
export interface Exposure {
    readonly ipv4: bigint;
    readonly ipv6: bigint;
}

/** IPv4 intervals of ranges, with IPv4-mapped IPv6 ranges translated to the IPv4 they name. */
function ipv4Intervals(ranges: readonly IpRange[]): Interval[] {
    const out: Interval[] = [];
    for (const r of ranges) {
        if (r.family === "IPv4") out.push(r);
        else if (r.last >= IPV4_MAPPED.first && r.first <= IPV4_MAPPED.last) {
            const first = r.first > IPV4_MAPPED.first ? r.first : IPV4_MAPPED.first;
            const last = r.last < IPV4_MAPPED.last ? r.last : IPV4_MAPPED.last;
            out.push({ first: first - IPV4_MAPPED.first, last: last - IPV4_MAPPED.first });
        }
    }
    return out;
}

export function publicExposure(ranges: readonly IpRange[]): Exposure {
    return {
        ipv4: overlapSize(union(ipv4Intervals(ranges)), IPV4_PUBLIC),
        ipv6: overlapSize(union(ranges.filter((r) => r.family === "IPv6")), IPV6_PUBLIC),
    };
}

// ---------------------------------------------------------------------------------------------
// Judging a list
// ---------------------------------------------------------------------------------------------

/** How much public address space a list may admit, and how long a list is judged at all. */
export interface ExposureLimits {
    /** The public IPv4 addresses of all entries together may be at most as many as one /N holds. */
    readonly maxIpv4Prefix: number;
    /** Likewise for IPv6. */
    readonly maxIpv6Prefix: number;
    /** Lists longer than this are refused unjudged (Azure itself takes a few hundred entries). */
    readonly maxEntries: number;
}

/**
 * A /16 of IPv4 (65,536 addresses: more than any one organisation's admin and CI egress needs; a
 * bigger total includes other people's networks, cloud provider pools, ISPs) and a /48 of IPv6 (one
 * site's allocation). The policies make these configurable, never beyond a /8 or a /16.
 */
export const DEFAULT_EXPOSURE_LIMITS: ExposureLimits = { maxIpv4Prefix: 16, maxIpv6Prefix: 48, maxEntries: 1000 };
export const WIDEST_IPV4_LIMIT = 8;
export const WIDEST_IPV6_LIMIT = 16;

export interface RangeListItem {
    /** Position in the list, for the caller's paths. */
    readonly index: number;
    /** The entry as written (a non-string is reported as such). */
    readonly value: unknown;
}

export interface RangeListJudgement {
    /** Entries that are not ranges the field takes, by index. */
    readonly entryProblems: readonly { readonly index: number; readonly problem: string }[];
    /** What the list admits as a whole, when that is too much (or the list too long to judge). */
    readonly listProblem?: string;
    readonly exposure: Exposure;
}

export interface JudgeOptions {
    /** Families the field accepts (ACR IP rules: IPv4 only at the default API version). Default both. */
    readonly families?: readonly IpFamily[];
}

const show = (v: unknown): string => (v === undefined ? "a missing value" : typeof v === "string" ? JSON.stringify(v) : v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : String(v));

function countText(n: bigint, family: IpFamily): string {
    if (family === "IPv4") return n.toLocaleString("en-US");
    const log = n.toString(2).length - 1;
    return n === 1n << BigInt(log) ? `2^${log}` : `over 2^${log}`;
}

function shareText(n: bigint, total: bigint, family: IpFamily): string {
    if (n >= total) return `every public ${family} address`;
    const permille = Number((n * 1000n) / total);
    return permille === 0 ? `under 0.1% of the public ${family} space` : `${(permille / 10).toFixed(1)}% of the public ${family} space`;
}

/** Too-wide finding for one family, naming the widest entries. */
function tooWide(family: IpFamily, admitted: bigint, prefix: number, ranges: readonly { text: string; range: IpRange }[]): string {
    const total = family === "IPv4" ? PUBLIC_IPV4_ADDRESSES : PUBLIC_IPV6_ADDRESSES;
    const widest = ranges
        .map((r) => ({ text: r.text, n: publicExposure([r.range])[family === "IPv4" ? "ipv4" : "ipv6"] }))
        .filter((r) => r.n > 0n)
        .sort((a, b) => (a.n > b.n ? -1 : a.n < b.n ? 1 : 0))
        .slice(0, 3)
        .map((r) => JSON.stringify(r.text));
    const limit = 1n << BigInt(BITS[family] - prefix);
    return `the entries together admit ${countText(admitted, family)} public ${family} addresses (${shareText(admitted, total, family)}; widest: ${widest.join(", ")}), more than the ${countText(limit, family)} of one /${prefix}`;
}

/**
 * Judges a whole list: each entry must be an address or CIDR range of an accepted family (a service
 * tag is named for what it stands for), and the public addresses of all of them together must stay
 * within the limits. Entries the caller could not read (unknown at preview) are simply not passed.
 */
export function judgeRangeList(items: readonly RangeListItem[], limits: ExposureLimits, options: JudgeOptions = {}): RangeListJudgement {
    const none: Exposure = { ipv4: 0n, ipv6: 0n };
    if (items.length > limits.maxEntries) {
        return { entryProblems: [], listProblem: `the list has ${items.length} entries, more than the ${limits.maxEntries} that are judged, so what it admits is not judged`, exposure: none };
    }
    const families = options.families ?? ["IPv4", "IPv6"];
    const entryProblems: { index: number; problem: string }[] = [];
    const ranges: { text: string; range: IpRange }[] = [];
    for (const { index, value } of items) {
        if (typeof value !== "string") {
            entryProblems.push({ index, problem: `${show(value)} is not an IP address or CIDR range` });
            continue;
        }
        const e = parseRangeEntry(value);
        if (e.kind === "invalid") {
            entryProblems.push({ index, problem: `${show(value)} is not an IP address or CIDR range` });
        } else if (e.kind === "service-tag") {
            const what = e.scope === "everything"
                ? "admits every address"
                : e.scope === "shared"
                    ? "is an Azure service tag: it stands for public addresses shared by every customer of that Microsoft service, not yours, and this field takes only IP addresses and CIDR ranges"
                    : "is an Azure service tag, and this field takes only IP addresses and CIDR ranges";
            entryProblems.push({ index, problem: `${show(value)} ${what}` });
        } else if (!families.includes(e.range.family)) {
            entryProblems.push({ index, problem: `${show(value)} is an ${e.range.family} range, and only ${families.join(" and ")} is accepted here` });
        } else {
            ranges.push({ text: e.text, range: e.range });
        }
    }
    const exposure = publicExposure(ranges.map((r) => r.range));
    const wide: string[] = [];
    if (exposure.ipv4 > 1n << BigInt(32 - limits.maxIpv4Prefix)) wide.push(tooWide("IPv4", exposure.ipv4, limits.maxIpv4Prefix, ranges));
    if (exposure.ipv6 > 1n << BigInt(128 - limits.maxIpv6Prefix)) wide.push(tooWide("IPv6", exposure.ipv6, limits.maxIpv6Prefix, ranges));
    return { entryProblems, ...(wide.length ? { listProblem: wide.join("; ") } : {}), exposure };
}
