// The partition of an event: a language-neutral function of its subject (the aggregate id), so every
// producer, in any language, sends one aggregate's events to one partition and per-subject order holds.
// It never looks at anything but the subject and the partition count.
import { crc32 } from 'node:zlib';
import { HeraldError } from './errors.ts';

/** Largest partition count a channel may declare; keeps keys short and rebalancing cheap. */
export const MAX_PARTITIONS = 1024;

/**
 * `crc32(utf8(subject)) mod partitions`, where crc32 is CRC-32/ISO-HDLC (the zlib, PNG and Ethernet
 * CRC: polynomial 0x04C11DB7 reflected, init and xorout 0xFFFFFFFF), taken as an unsigned 32-bit
 * integer. Python `zlib.crc32(s.encode()) % n`, Go `crc32.ChecksumIEEE([]byte(s)) % n` and Java
 * `java.util.zip.CRC32` compute the same. An event without a subject goes to partition 0.
 */
export function partitionOf(subject: string | undefined, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new HeraldError('HERALD_ERR_CONFIG', `partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`);
  }
  if (partitions === 1 || !subject) return 0;
  return crc32(Buffer.from(subject, 'utf8')) % partitions;
}
