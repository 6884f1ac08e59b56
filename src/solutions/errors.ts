/** A solution file or folder that cannot be used as it is; the message names the file and the problem. */
export class SolutionFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SolutionFileError';
  }

  describe(): string {
    return this.hint ? `${this.message}\nWhat to do: ${this.hint}` : this.message;
  }
}
