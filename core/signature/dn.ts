/**
 * X.509 distinguished names for Notary Project `trustedIdentities` (`x509.subject: C=US, ST=WA, O=…`):
 * parsing the policy's string form, reading a certificate's subject, and the spec's matching rule —
 * every attribute named in the identity must be present in the subject with the same value.
 */
import { fail, type Failed } from "../result";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Name } from "@peculiar/asn1-x509";

/** Attribute type → value. Keys are upper-case short names (`CN`, `O`) or dotted OIDs. */
export type DistinguishedName = ReadonlyMap<string, string>;

export const X509_SUBJECT_PREFIX = "x509.subject:";
/** The spec requires every identity to name at least these. */
export const REQUIRED_RDNS: readonly string[] = ["C", "ST", "O"];

const SHORT_NAMES: Readonly<Record<string, string>> = {
    "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "SERIALNUMBER", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST",
    "2.5.4.9": "STREET", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "T", "2.5.4.17": "POSTALCODE",
    "2.5.4.42": "GIVENNAME", "1.2.840.113549.1.9.1": "E", "0.9.2342.19200300.100.1.25": "DC", "0.9.2342.19200300.100.1.1": "UID",
};
// Long spellings people write in DNs (RFC 4514 names), normalized to the short keys above.
const ALIASES: Readonly<Record<string, string>> = {
    COMMONNAME: "CN", COUNTRYNAME: "C", LOCALITYNAME: "L", STATEORPROVINCENAME: "ST", S: "ST",
    ORGANIZATIONNAME: "O", ORGANIZATIONALUNITNAME: "OU", EMAILADDRESS: "E", EMAIL: "E", STREETADDRESS: "STREET",
    DOMAINCOMPONENT: "DC", TITLE: "T", SURNAME: "SN",
};

function normalizeType(type: string): string {
    const t = type.trim();
    if (/^\d+(\.\d+)+$/.test(t)) return SHORT_NAMES[t] ?? t;
    const upper = t.toUpperCase();
    return ALIASES[upper] ?? upper;
}

export type DnParse = { ok: true; dn: DistinguishedName } | Failed<"invalid-dn">;

/**
 * Parses `C=US, ST=WA, O=acme\, inc` (RFC 4514 escaping: `\,` `\;` `\\` `\+` `\"` `\ ` and `\XX` hex).
 * Attribute types must be unique, as the spec's matching is by type.
 */
export function parseDn(text: string): DnParse {
    const pairs: string[] = [];
    let current = "";
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (ch === "\\") {
            if (i + 1 >= text.length) return fail("invalid-dn", `"${text}" ends with a lone backslash`);
            current += ch + text[i + 1];
            i++;
        } else if (ch === "," || ch === ";" || ch === "+") {
            pairs.push(current);
            current = "";
        } else current += ch;
    }
    pairs.push(current);
    const dn = new Map<string, string>();
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq <= 0) return fail("invalid-dn", `"${pair.trim()}" is not an ATTRIBUTE=value pair`);
        const type = normalizeType(pair.slice(0, eq));
        if (!/^[A-Z][A-Z0-9-]*$|^\d+(\.\d+)+$/.test(type)) return fail("invalid-dn", `"${pair.slice(0, eq).trim()}" is not an attribute type`);
        const value = unescapeValue(pair.slice(eq + 1));
        if (typeof value !== "string") return value;
        if (value.length === 0) return fail("invalid-dn", `${type} has an empty value`);
        if (dn.has(type)) return fail("invalid-dn", `${type} appears more than once (a trusted identity names each attribute once)`);
        dn.set(type, value);
    }
    return { ok: true, dn };
}

function unescapeValue(raw: string): string | Failed<"invalid-dn"> {
    // Unescaped spaces at either end are insignificant; escaped ones are kept.
    let start = 0;
    while (start < raw.length && raw[start] === " ") start++;
    let end = raw.length;
    while (end > start && raw[end - 1] === " " && !isEscaped(raw, end - 1)) end--;
    const s = raw.slice(start, end);
    let out = "";
    for (let i = 0; i < s.length; i++) {
        if (s[i] !== "\\") {
            out += s[i];
            continue;
        }
        const hex = s.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
            out += String.fromCharCode(parseInt(hex, 16));
            i += 2;
        } else {
            out += s[i + 1];
            i++;
        }
    }
    return out;
}

function isEscaped(s: string, index: number): boolean {
    let n = 0;
    for (let i = index - 1; i >= 0 && s[i] === "\\"; i--) n++;
    return n % 2 === 1;
}

/** The subject of a DER certificate as a map; duplicate attribute types (two OUs) are reported, not merged. */
export function subjectOf(subjectDer: ArrayBuffer): DnParse {
    let name: Name;
    try {
        name = AsnConvert.parse(subjectDer, Name);
    } catch (e) {
        return fail("invalid-dn", `certificate subject cannot be decoded (${(e as Error).message})`);
    }
    const dn = new Map<string, string>();
    for (const rdn of name) {
        for (const atv of rdn) {
            const type = normalizeType(atv.type);
            if (dn.has(type)) return fail("invalid-dn", `certificate subject has ${type} more than once, which trusted identities cannot match unambiguously`);
            dn.set(type, atv.value.toString());
        }
    }
    return { ok: true, dn };
}

/** `C=US, ST=WA, O=acme` for messages, in the map's order, escaped so that it parses back. */
export function formatDn(dn: DistinguishedName): string {
    return [...dn].map(([k, v]) => `${k}=${v.replace(/([\\,;+"])/g, "\\$1").replace(/^ | $/g, "\\ ")}`).join(", ");
}

/** The spec's rule: every attribute of the identity is in the subject with an equal value. */
export function identityMatches(identity: DistinguishedName, subject: DistinguishedName): boolean {
    for (const [type, value] of identity) {
        if (subject.get(type) !== value) return false;
    }
    return true;
}

/**
 * Two identities overlap when one is a subset of the other (every attribute of one is in the other
 * with an equal value): the rule of notation-go's trust policy validation (verifier/trustpolicy
 * validateOverlappingDNs / pkix.IsSubsetDN). Identities that only could both match a certificate
 * holding the union of their attributes (`O=A, OU=x` and `O=A, CN=y`) are valid, as in Notation.
 */
export function identitiesOverlap(a: DistinguishedName, b: DistinguishedName): boolean {
    return identityMatches(a, b) || identityMatches(b, a);
}
