// Types of the two pure-JavaScript decompressors the batch codecs use (neither ships its own).
declare module 'snappyjs' {
  /** Raw snappy block; throws when its declared length exceeds `maxLength`. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}

declare module 'lz4js' {
  /** Bytes the LZ4 frame inflates to at most (its content size field, or blocks times block size). */
  export function decompressBound(src: Uint8Array): number;
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
