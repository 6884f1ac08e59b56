export { ToolError } from '../callerError';
