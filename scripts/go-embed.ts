// Reads the files that a Go program embeds with `//go:embed` out of its
// binary, without running it. Go stores an embed.FS as a table of 48-byte
// entries: the name as a string header (pointer, length), the data as a
// string header, then a 16-byte hash. The table sits in a read-only data
// section of the ELF file and its pointers are virtual addresses, which
// the section headers map to file offsets.

/** One entry of a Go embed.FS, either a file or a directory. */
export interface EmbeddedEntry {
  /** Slash-separated path; directory names end with "/". */
  name: string;
  data: Buffer;
}

/** A section of the ELF file that is loaded from the file into memory. */
interface Section {
  address: number;
  offset: number;
  size: number;
}

const entrySize = 48;
const maxNameLength = 1024;
const progbitsType = 1;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads the section headers of a 64-bit little-endian ELF file. */
function readSections(elf: Buffer): Section[] {
  const isElf = elf.subarray(0, 4).equals(Buffer.from("\x7fELF", "latin1"));
  if (!isElf || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error("not a 64-bit little-endian ELF file");
  }
  const headerOffset = Number(elf.readBigUInt64LE(0x28));
  const headerSize = elf.readUInt16LE(0x3a);
  const headerCount = elf.readUInt16LE(0x3c);

  const sections: Section[] = [];
  for (let i = 0; i < headerCount; i++) {
    const at = headerOffset + i * headerSize;
    const type = elf.readUInt32LE(at + 4);
    const address = Number(elf.readBigUInt64LE(at + 16));
    if (type !== progbitsType || address === 0) continue;
    sections.push({
      address,
      offset: Number(elf.readBigUInt64LE(at + 24)),
      size: Number(elf.readBigUInt64LE(at + 32)),
    });
  }
  return sections;
}

/** Maps the file bytes of one ELF file between addresses and offsets. */
class AddressMap {
  readonly elf: Buffer;
  readonly sections: Section[];

  constructor(elf: Buffer) {
    this.elf = elf;
    this.sections = readSections(elf);
  }

  /** Returns the `length` bytes at a virtual address, if the file has them. */
  read(address: number, length: number): Buffer | undefined {
    for (const section of this.sections) {
      const start = address - section.address;
      if (start >= 0 && start + length <= section.size) {
        const offset = section.offset + start;
        return this.elf.subarray(offset, offset + length);
      }
    }
    return undefined;
  }

  /** Returns the virtual address of a file offset, if a section loads it. */
  addressOf(offset: number): number | undefined {
    for (const section of this.sections) {
      const start = offset - section.offset;
      if (start >= 0 && start < section.size) return section.address + start;
    }
    return undefined;
  }
}

/** Decodes the table entry at a file offset, or returns undefined. */
function readEntry(map: AddressMap, at: number): EmbeddedEntry | undefined {
  if (at < 0 || at + entrySize > map.elf.length) return undefined;
  const namePointer = Number(map.elf.readBigUInt64LE(at));
  const nameLength = Number(map.elf.readBigUInt64LE(at + 8));
  const dataPointer = Number(map.elf.readBigUInt64LE(at + 16));
  const dataLength = Number(map.elf.readBigUInt64LE(at + 24));
  if (nameLength === 0 || nameLength > maxNameLength) return undefined;

  const nameBytes = map.read(namePointer, nameLength);
  const data =
    dataLength === 0 ? Buffer.alloc(0) : map.read(dataPointer, dataLength);
  if (nameBytes === undefined || data === undefined) return undefined;
  try {
    return { name: utf8.decode(nameBytes), data };
  } catch {
    // Bytes that are not UTF-8 are no embed.FS name, so no entry starts here.
    return undefined;
  }
}

/** Returns the file offsets of every string header that points to `text`. */
function findStringHeaders(map: AddressMap, text: string): number[] {
  const needle = Buffer.from(text);
  const headers: number[] = [];
  for (
    let at = map.elf.indexOf(needle);
    at >= 0;
    at = map.elf.indexOf(needle, at + 1)
  ) {
    const address = map.addressOf(at);
    if (address === undefined) continue;
    const header = Buffer.alloc(16);
    header.writeBigUInt64LE(BigInt(address), 0);
    header.writeBigUInt64LE(BigInt(needle.length), 8);
    for (
      let found = map.elf.indexOf(header);
      found >= 0;
      found = map.elf.indexOf(header, found + 1)
    ) {
      headers.push(found);
    }
  }
  return headers;
}

/**
 * Extracts the embed.FS table that contains the file `knownName`. Throws
 * when no table or more than one table lists that name.
 */
export function extractEmbeddedFiles(
  elf: Buffer,
  knownName: string,
): EmbeddedEntry[] {
  const map = new AddressMap(elf);
  const headers = findStringHeaders(map, knownName);
  const tables = headers.map((header) => {
    let start = header;
    while (readEntry(map, start - entrySize) !== undefined) start -= entrySize;

    const entries: EmbeddedEntry[] = [];
    for (let at = start; ; at += entrySize) {
      const entry = readEntry(map, at);
      if (entry === undefined) break;
      entries.push(entry);
    }
    return entries;
  });
  const [table] = tables;
  if (tables.length !== 1 || table === undefined) {
    throw new Error(
      `expected one embed.FS table listing ${knownName}, found ` +
        `${tables.length}; the file may be missing or not a Go binary`,
    );
  }
  return table;
}
