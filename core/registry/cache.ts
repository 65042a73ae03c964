/**
 * Caches of registry answers. Tag resolutions (and referrer lists) expire after a TTL, because tags
 * move; digest-addressed content never changes, so it is kept without TTL (bounded by size). The
 * optional disk cache stores JSON files named by a hash of the key; a file that is corrupt, of
 * another key, or whose content no longer matches its digest is ignored.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface TtlEntry<T> { readonly value: T; readonly expiresAt: number }

/** A memory map whose entries expire; the oldest entries go first beyond `maxEntries`. */
export class TtlCache<T> {
    private readonly entries = new Map<string, TtlEntry<T>>();
    constructor(private readonly ttlMs: number, private readonly now: () => number, private readonly maxEntries = 10_000) {}

    get(key: string): T | undefined {
        const e = this.entries.get(key);
        if (!e) return undefined;
        if (this.now() >= e.expiresAt) { this.entries.delete(key); return undefined; }
        return e.value;
    }

    set(key: string, value: T): void {
        if (this.ttlMs <= 0) return;
        this.entries.delete(key);
        this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
        while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    }
}

/** Digest-addressed content: no TTL, bounded by total bytes (first in, first out). */
export class ContentCache {
    private readonly entries = new Map<string, { mediaType: string; bytes: Uint8Array }>();
    private total = 0;
    constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

    get(key: string): { mediaType: string; bytes: Uint8Array } | undefined {
        return this.entries.get(key);
    }

    set(key: string, value: { mediaType: string; bytes: Uint8Array }): void {
        if (value.bytes.byteLength > this.maxBytes / 4 || this.entries.has(key)) return;
        this.entries.set(key, value);
        this.total += value.bytes.byteLength;
        for (const [k, v] of this.entries) {
            if (this.total <= this.maxBytes) break;
            this.entries.delete(k);
            this.total -= v.bytes.byteLength;
        }
    }
}

export interface DiskRecord {
    readonly key: string;
    /** Absent for digest-addressed content. */
    readonly expiresAt?: number;
    readonly digest: string;
    readonly mediaType: string;
    /** base64 of the content; absent for a tag → digest record. */
    readonly bytes?: string;
}

/** JSON files in one directory. Never throws: a cache that cannot be read or written is a miss. */
export class DiskCache {
    constructor(private readonly dir: string) {}

    private file(key: string): string {
        return join(this.dir, createHash("sha256").update(key).digest("hex") + ".json");
    }

    read(key: string): DiskRecord | undefined {
        try {
            const rec = JSON.parse(readFileSync(this.file(key), "utf8")) as DiskRecord;
            if (typeof rec !== "object" || rec === null || rec.key !== key || typeof rec.digest !== "string" || typeof rec.mediaType !== "string") return undefined;
            if (rec.expiresAt !== undefined && typeof rec.expiresAt !== "number") return undefined;
            if (rec.bytes !== undefined && typeof rec.bytes !== "string") return undefined;
            return rec;
        } catch {
            return undefined;
        }
    }

    write(record: DiskRecord): void {
        try {
            mkdirSync(this.dir, { recursive: true });
            const target = this.file(record.key);
            // Write then rename, so a concurrent reader never sees half a file.
            const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
            writeFileSync(tmp, JSON.stringify(record));
            renameSync(tmp, target);
        } catch {
            /* a read-only or full disk only costs cache misses */
        }
    }
}
