import assert from "node:assert/strict";
import { test } from "node:test";
import { extractEmbeddedFiles } from "../../scripts/go-embed.ts";

// A minimal 64-bit little-endian ELF file: a null section header, then one
// PROGBITS section loaded at `sectionAddress` that contains the strings and
// an embed.FS table of 48-byte entries, with zeroed bytes on both sides.
const sectionOffset = 0x100;
const sectionAddress = 0x40_0000;
const sectionSize = 0x400;
const knownName = "src/components/aws/function.ts";

/** Builds an ELF file whose embed.FS table lists `files` in this order. */
function buildElf(files: [name: string, data: string][]): Buffer {
  const elf = Buffer.alloc(sectionOffset + sectionSize);
  elf.write("\x7fELF", 0, "latin1");
  elf[4] = 2;
  elf[5] = 1;
  elf.writeBigUInt64LE(0x40n, 0x28);
  elf.writeUInt16LE(64, 0x3a);
  elf.writeUInt16LE(2, 0x3c);

  const header = 0x40 + 64;
  elf.writeUInt32LE(1, header + 4);
  elf.writeBigUInt64LE(BigInt(sectionAddress), header + 16);
  elf.writeBigUInt64LE(BigInt(sectionOffset), header + 24);
  elf.writeBigUInt64LE(BigInt(sectionSize), header + 32);

  // Strings first, then the table, with 48 zero bytes before the table.
  let cursor = sectionOffset;
  const putString = (text: string): [address: number, length: number] => {
    const length = elf.write(text, cursor);
    const address = sectionAddress + (cursor - sectionOffset);
    cursor += length;
    return [address, length];
  };
  const headers = files.map(([name, data]) => [
    ...putString(name),
    ...(data === "" ? [0, 0] : putString(data)),
  ]);
  cursor += 48 + ((8 - (cursor % 8)) % 8);
  for (const fields of headers) {
    fields.forEach((field, i) => {
      elf.writeBigUInt64LE(BigInt(field), cursor + i * 8);
    });
    cursor += 48;
  }
  assert.ok(cursor + 48 <= elf.length, "the test table fits its section");
  return elf;
}

test("embed table entries extracted", () => {
  const elf = buildElf([
    ["package.json", "{}"],
    ["src/", ""],
    [knownName, "export {};"],
    ["src/global.d.ts", "declare const $app: string;"],
  ]);

  const entries = extractEmbeddedFiles(elf, knownName);

  const listed = entries.map((entry) => [entry.name, entry.data.toString()]);
  assert.deepEqual(listed, [
    ["package.json", "{}"],
    ["src/", ""],
    [knownName, "export {};"],
    ["src/global.d.ts", "declare const $app: string;"],
  ]);
});

test("missing known name rejected", () => {
  const elf = buildElf([["src/other.ts", "export {};"]]);

  assert.throws(
    () => extractEmbeddedFiles(elf, knownName),
    /expected one embed\.FS table listing .*, found 0/,
  );
});

test("non-ELF input rejected", () => {
  const text = Buffer.from(`#!/bin/sh\n${"echo\n".repeat(20)}`);

  assert.throws(
    () => extractEmbeddedFiles(text, knownName),
    /not a 64-bit little-endian ELF file/,
  );
});
