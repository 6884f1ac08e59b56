/** A problem with what the caller asked for (as opposed to a service failure): said plainly, with what to do. */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }

  describe(): string {
    return this.hint ? `${this.message}\nWhat to do: ${this.hint}` : this.message;
  }
}
