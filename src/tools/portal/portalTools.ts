/** The two Power Pages tools, each in a file of its own. */
export { downloadPortal } from './downloadPortal';
export { uploadPortal } from './uploadPortal';
