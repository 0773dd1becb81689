import { isUtf8 } from 'node:buffer';
import { OversizedRecord } from '../../events/OversizedRecord.js';
import type { RecordBatch } from '../../operators/RecordBatch.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const BYTE_ORDER_MARK = 0xfeff;

/**
 * Cuts the bytes of a JSON-lines input, read in chunks of any size, into lines numbered
 * from 1, as one batch per chunk for partition 0.
 *
 * - A line ends at `\n`; a `\r` before it is dropped, a last line needs no `\n`.
 * - Lines that are empty or hold only spaces, tabs and `\r` are skipped (their numbers count).
 * - A UTF-8 byte-order mark at the start of the input is dropped.
 * - A line that is valid UTF-8 becomes a string; one that is not stays a `Buffer` of its
 *   original bytes, so that it is dead-lettered as it was instead of decoded with U+FFFD.
 * - A line longer than `maxLineBytes` (without its `\r`) becomes an {@link OversizedRecord}
 *   holding its first `maxLineBytes` bytes; the rest is never held in memory.
 *
 * The common case costs one UTF-8 check and one decode per chunk, as reading text does;
 * only a chunk with invalid UTF-8 is looked at line by line.
 */
export class LineSplitter {
  /** Start of the line the previous chunk ended in, at most `maxLineBytes` of it. */
  private carry: Buffer[] = [];
  private carryKeptBytes = 0;
  /** The carried line's whole length so far, kept or not. */
  private carryBytes = 0;
  private carryLastByte = -1;
  private lineNumber = 0;
  private records: (string | Uint8Array)[] = [];
  private positions: number[] = [];

  constructor(private readonly maxLineBytes: number) {}

  /** The lines a chunk completes, or `undefined` when it completes none that count. */
  push(chunk: Buffer): RecordBatch<string | Uint8Array> | undefined {
    let start = 0;
    if (this.carryBytes > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        this.hold(chunk);
        return undefined;
      }
      this.hold(chunk.subarray(0, newline));
      this.endCarriedLine();
      start = newline + 1;
    }
    const end = Math.max(chunk.lastIndexOf(NEWLINE) + 1, start);
    if (end > start) this.addBlock(chunk.subarray(start, end - 1));
    if (end < chunk.length) this.hold(chunk.subarray(end));
    return this.takeBatch();
  }

  /** The last line, when the input does not end with a newline. */
  end(): RecordBatch<string | Uint8Array> | undefined {
    if (this.carryBytes > 0) this.endCarriedLine();
    return this.takeBatch();
  }

  /** Whole lines, `\n`-separated, the last without its `\n`. */
  private addBlock(block: Buffer): void {
    if (!isUtf8(block)) {
      // Only here line by line: each line that is valid UTF-8 still becomes text.
      let from = 0;
      for (let newline = block.indexOf(NEWLINE); newline !== -1; newline = block.indexOf(NEWLINE, from)) {
        this.addLine(block.subarray(from, newline), lengthWithoutReturn(block, from, newline));
        from = newline + 1;
      }
      this.addLine(block.subarray(from), lengthWithoutReturn(block, from, block.length));
      return;
    }
    const lines = block.toString('utf8').split('\n');
    if (this.lineNumber === 0 && lines[0]!.charCodeAt(0) === BYTE_ORDER_MARK) lines[0] = lines[0]!.slice(1);
    // A line of more than maxLineBytes / 3 UTF-16 units may be longer than maxLineBytes in UTF-8.
    const lengthToCheck = block.length > this.maxLineBytes ? Math.floor(this.maxLineBytes / 3) : Infinity;
    const { records, positions } = this;
    let lineNumber = this.lineNumber;
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      lineNumber++;
      if (line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) line = line.slice(0, -1);
      if (line.length === 0 || (line.charCodeAt(0) <= SPACE && isBlank(line))) continue;
      if (line.length > lengthToCheck) {
        const bytes = Buffer.from(line, 'utf8');
        if (bytes.length > this.maxLineBytes) {
          records.push(new OversizedRecord(bytes.subarray(0, this.maxLineBytes), bytes.length));
          positions.push(lineNumber);
          continue;
        }
      }
      records.push(line);
      positions.push(lineNumber);
    }
    this.lineNumber = lineNumber;
  }

  /**
   * One line: its bytes without the `\n` (at least the first `maxLineBytes` of them), and its
   * length without a `\r` ending.
   */
  private addLine(bytes: Buffer, lineBytes: number): void {
    this.lineNumber++;
    if (lineBytes > this.maxLineBytes) {
      this.records.push(new OversizedRecord(bytes.subarray(0, this.maxLineBytes), lineBytes));
      this.positions.push(this.lineNumber);
      return;
    }
    let line = bytes.subarray(0, lineBytes);
    if (this.lineNumber === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    if (isBlankBytes(line)) return;
    // A copy, so that a dead letter held downstream does not keep the whole chunk alive.
    this.records.push(isUtf8(line) ? line.toString('utf8') : Buffer.from(line));
    this.positions.push(this.lineNumber);
  }

  /** Keeps bytes of the unfinished line: all of them up to `maxLineBytes`, then only its length. */
  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.maxLineBytes - this.carryKeptBytes;
    if (room > 0) {
      const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
      this.carry.push(kept);
      this.carryKeptBytes += kept.length;
    }
    this.carryBytes += bytes.length;
    this.carryLastByte = bytes[bytes.length - 1]!;
  }

  private endCarriedLine(): void {
    const kept = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryKeptBytes);
    const lineBytes = this.carryBytes - (this.carryLastByte === CARRIAGE_RETURN ? 1 : 0);
    this.carry = [];
    this.carryKeptBytes = 0;
    this.carryBytes = 0;
    this.carryLastByte = -1;
    this.addLine(kept, lineBytes);
  }

  private takeBatch(): RecordBatch<string | Uint8Array> | undefined {
    if (this.records.length === 0) return undefined;
    const batch = { partition: 0, records: this.records, positions: this.positions };
    this.records = [];
    this.positions = [];
    return batch;
  }
}

/** Only JSON whitespace but newlines (spaces, tabs, `\r`): nothing to parse, like an empty line. */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN) return false;
  }
  return true;
}

/** Length of `bytes[from, end)` without a `\r` at its end. */
function lengthWithoutReturn(bytes: Buffer, from: number, end: number): number {
  return end > from && bytes[end - 1] === CARRIAGE_RETURN ? end - from - 1 : end - from;
}

function isBlankBytes(line: Buffer): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN) return false;
  }
  return true;
}
