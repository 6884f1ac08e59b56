/** How far a long call has come, as MCP progress notifications say it. */
export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}
