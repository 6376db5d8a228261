/** A single resource as a write or read returns it, with its stored version (for the ETag). */
export interface Versioned<T> {
  resource: T
  version: number
}
