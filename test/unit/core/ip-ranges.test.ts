/**
 * core/ip-ranges: parsing (checked against Node's own BlockList for membership), the public address
 * space a list admits together, service tags, and the judgement the policies and components share.
 */
import { BlockList } from "node:net";
import fc from "fast-check";
import {
    DEFAULT_EXPOSURE_LIMITS, PUBLIC_IPV4_ADDRESSES, judgeRangeList, parseRangeEntry, publicExposure,
    type IpRange,
} from "../../../core/ip-ranges";

const range = (text: string): IpRange => {
    const e = parseRangeEntry(text);
    if (e.kind !== "range") throw new Error(`${text} is not a range`);
    return e.range;
};
const exposure = (...texts: string[]) => publicExposure(texts.map(range));
const judge = (...values: unknown[]) => judgeRangeList(values.map((value, index) => ({ index, value })), DEFAULT_EXPOSURE_LIMITS);

describe("parseRangeEntry", () => {
    it.each<[string, Record<string, unknown>]>([
        ["203.0.113.7", { kind: "range", range: { family: "IPv4", first: 0xcb007107n, last: 0xcb007107n, prefix: 32 } }],
        ["203.0.113.7/24", { kind: "range", range: { first: 0xcb007100n, last: 0xcb0071ffn, prefix: 24 } }],
        [" 10.0.0.0/8 ", { kind: "range", range: { first: 0x0a000000n, last: 0x0affffffn } }],
        ["0.0.0.0/0", { kind: "range", range: { first: 0n, last: 0xffffffffn, prefix: 0 } }],
        ["2001:db8::/32", { kind: "range", range: { family: "IPv6", first: 0x20010db8n << 96n, last: (0x20010db8n << 96n) | ((1n << 96n) - 1n) } }],
        ["::ffff:192.0.2.1", { kind: "range", range: { family: "IPv6", first: 0xffffc0000201n, prefix: 128 } }],
        ["1:2:3:4:5:6:7:8", { kind: "range", range: { first: 0x00010002000300040005000600070008n } }],
        ["Internet", { kind: "service-tag", scope: "everything" }],
        ["*", { kind: "service-tag", scope: "everything" }],
        ["AzureCloud.westeurope", { kind: "service-tag", scope: "shared" }],
        ["AzureDevOps", { kind: "service-tag", scope: "shared" }],
        ["Storage.WestEurope", { kind: "service-tag", scope: "shared" }],
        ["VirtualNetwork", { kind: "service-tag", scope: "not-public" }],
        ["10.0.0.0/33", { kind: "invalid" }],
        ["10.0.0/16", { kind: "invalid" }],
        ["010.0.0.1", { kind: "invalid" }],
        ["10.0.0.1/+8", { kind: "invalid" }],
        ["fe80::1%eth0", { kind: "invalid" }],
        ["::/129", { kind: "invalid" }],
        ["office", { kind: "invalid" }],
        ["", { kind: "invalid" }],
    ])("%j", (text, expected) => {
        expect(parseRangeEntry(text)).toMatchObject(expected);
    });

    const v4 = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map((o) => o.join("."));
    const v6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":"));

    it("agrees with node:net BlockList on which addresses an IPv4 range contains", () => {
        fc.assert(fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (net, prefix, probe) => {
            const block = new BlockList();
            block.addSubnet(net, prefix, "ipv4");
            const r = range(`${net}/${prefix}`);
            const p = range(probe).first;
            expect(p >= r.first && p <= r.last).toBe(block.check(probe, "ipv4"));
        }), { numRuns: 3000 });
    });

    it("agrees with node:net BlockList for IPv6, including :: shorthand", () => {
        fc.assert(fc.property(v6, fc.integer({ min: 0, max: 128 }), v6, (net, prefix, probe) => {
            const block = new BlockList();
            block.addSubnet(net, prefix, "ipv6");
            const shortNet = net.replace(/(^|:)0(:0)+(:|$)/, "::");
            const r = range(`${shortNet}/${prefix}`);
            const p = range(probe).first;
            expect(p >= r.first && p <= r.last).toBe(block.check(probe, "ipv6"));
        }), { numRuns: 3000 });
    });

    it("never throws, whatever the input", () => {
        fc.assert(fc.property(fc.string(), (s) => {
            expect(["range", "service-tag", "invalid"]).toContain(parseRangeEntry(s).kind);
        }), { numRuns: 3000 });
    });
});

describe("publicExposure", () => {
    it("counts each public address once, however the ranges overlap", () => {
        expect(exposure("20.0.0.0/16", "20.0.128.0/17", "20.0.0.1")).toEqual({ ipv4: 65536n, ipv6: 0n });
        expect(exposure("20.0.0.0/17", "20.0.128.0/17")).toEqual({ ipv4: 65536n, ipv6: 0n });
    });

    it("the whole internet in two halves is the whole internet", () => {
        expect(exposure("0.0.0.0/1", "128.0.0.0/1").ipv4).toBe(PUBLIC_IPV4_ADDRESSES);
        expect(exposure("0.0.0.0/0").ipv4).toBe(PUBLIC_IPV4_ADDRESSES);
        // 2^32 less RFC 1918, CGNAT, loopback, link-local, documentation, benchmarking, multicast, reserved…
        expect(PUBLIC_IPV4_ADDRESSES).toBe(3_702_258_690n);
    });

    it("private and other non-routable space counts for nothing", () => {
        expect(exposure("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")).toEqual({ ipv4: 0n, ipv6: 0n });
        expect(exposure("fc00::/7", "fe80::/10", "::1", "ff00::/8", "2001:db8::/32")).toEqual({ ipv4: 0n, ipv6: 0n });
        // 192.0.0.9 and 192.0.0.10 are globally reachable; the rest of 192.0.0.0/24 is not.
        expect(exposure("192.0.0.0/24").ipv4).toBe(2n);
    });

    it("IPv4-mapped IPv6 is measured as the IPv4 it names", () => {
        expect(exposure("::ffff:20.0.0.0/112").ipv4).toBe(65536n);
        expect(exposure("::/0").ipv4).toBe(PUBLIC_IPV4_ADDRESSES);
    });
});

describe("judgeRangeList", () => {
    it("passes up to a /16 of public IPv4 and a /48 of IPv6 together, with any amount of private space", () => {
        expect(judge("20.1.0.0/17", "20.2.0.0/17", "10.0.0.0/8", "2001:4860:1::/48", "fd00::/8")).toEqual({ entryProblems: [], exposure: { ipv4: 65536n, ipv6: 1n << 80n } });
    });

    it("fails the total, naming the widest entries, with exact text", () => {
        expect(judge("0.0.0.0/1", "203.0.113.5", "128.0.0.0/1").listProblem).toBe(
            'the entries together admit 3,702,258,690 public IPv4 addresses (every public IPv4 address; widest: "0.0.0.0/1", "128.0.0.0/1"), more than the 65,536 of one /16');
        expect(judge("20.1.0.0/17", "20.2.0.0/17", "20.3.0.0/17").listProblem).toBe(
            'the entries together admit 98,304 public IPv4 addresses (under 0.1% of the public IPv4 space; widest: "20.1.0.0/17", "20.2.0.0/17", "20.3.0.0/17"), more than the 65,536 of one /16');
        // 64.0.0.0/2 less CGNAT 100.64.0.0/10 and loopback 127.0.0.0/8.
        expect(judge("64.0.0.0/2").listProblem).toContain("admit 1,052,770,304 public IPv4 addresses (28.4% of the public IPv4 space;");
        expect(judge("2001:4860::/32").listProblem).toBe('the entries together admit 2^96 public IPv6 addresses (under 0.1% of the public IPv6 space; widest: "2001:4860::/32"), more than the 2^80 of one /48');
    });

    it("names each entry it cannot take, by index", () => {
        expect(judge("Internet", "AzureCloud", "VirtualNetwork", "nope", 42, null, "2001:db8::1").entryProblems).toEqual([
            { index: 0, problem: '"Internet" admits every address' },
            { index: 1, problem: '"AzureCloud" is an Azure service tag: it stands for public addresses shared by every customer of that Microsoft service, not yours, and this field takes only IP addresses and CIDR ranges' },
            { index: 2, problem: '"VirtualNetwork" is an Azure service tag, and this field takes only IP addresses and CIDR ranges' },
            { index: 3, problem: '"nope" is not an IP address or CIDR range' },
            { index: 4, problem: "42 is not an IP address or CIDR range" },
            { index: 5, problem: "null is not an IP address or CIDR range" },
        ]);
        expect(judgeRangeList([{ index: 0, value: "2001:db8::1" }], DEFAULT_EXPOSURE_LIMITS, { families: ["IPv4"] }).entryProblems).toEqual([
            { index: 0, problem: '"2001:db8::1" is an IPv6 range, and only IPv4 is accepted here' },
        ]);
    });

    it("refuses a list longer than the limit without judging it (bounded work)", () => {
        const long = Array.from({ length: 1001 }, (_, i) => ({ index: i, value: "20.0.0.1" }));
        expect(judgeRangeList(long, DEFAULT_EXPOSURE_LIMITS)).toEqual({
            entryProblems: [],
            listProblem: "the list has 1001 entries, more than the 1000 that are judged, so what it admits is not judged",
            exposure: { ipv4: 0n, ipv6: 0n },
        });
    });
});
