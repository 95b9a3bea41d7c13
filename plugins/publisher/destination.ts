// Where the publisher puts packages: a channel of some kind (a local folder, anaconda.org, a
// prefix.dev-style server). Each kind answers the same three questions, so the publish steps
// (stage, validate, copy, re-check) never depend on where a channel lives.

/** A package file to put into a channel, with what the build recorded about it. */
export interface PackageFile {
  /** Absolute path of the file to read. */
  path: string;
  filename: string;
  subdir: string;
  name: string;
  version: string;
  /** The sha256 recorded at build (what every copy must still have). */
  sha256: string;
  size: number;
}

export interface PutResult {
  /** The sha256 the channel reports for the file it now holds (re-hashed, or the server's answer). */
  sha256: string;
  /** The channel held the same file already: nothing was sent. */
  skipped: boolean;
  /** Where the file now is: a path for a folder, a URL or `owner/name/version/subdir/file` otherwise. */
  location: string;
}

export interface ChannelDestination {
  readonly kind: 'local' | 'anaconda' | 'prefix';
  /** The channel as the user wrote it (printable: never holds a token). */
  readonly channel: string;
  /** The sha256 of `file.filename` in `file.subdir` under `label`, or null when the channel has no such file. */
  lookup(file: PackageFile, label: string): Promise<string | null>;
  /** Put the file under `label`; a file of the same name with other content is refused (ChannelConflictError). */
  put(file: PackageFile, label: string): Promise<PutResult>;
  /** Remove the file from `label` (a missing file is not an error). */
  remove(file: PackageFile, label: string): Promise<void>;
  /** Flush what is pending (indexes) and release resources. */
  close(): Promise<void>;
}

/** The channel already holds a file of that name with other content. */
export class ChannelConflictError extends Error {
  override name = 'ChannelConflictError';
  constructor(
    message: string,
    readonly existingSha256: string | null,
  ) {
    super(message);
  }
}

/** A server or the network failed in a way a later attempt may not (5xx after retries, a reset). */
export class TransientUploadError extends Error {
  override name = 'TransientUploadError';
}

/** The label a package gets when none is given: the channel itself (anaconda.org's `main`). */
export const MAIN_LABEL = 'main';
