/** Path fields the palette fills with a file dialog, and whether the tool writes them (a save dialog) or reads them. */
export type PathKind = 'read' | 'write' | 'folder' | 'fileOrFolder';

export const PATH_FIELDS: Record<string, Record<string, PathKind>> = {
  pp_export_solution: { zipFile: 'write' },
  pp_import_solution: { zipFile: 'read', settingsFile: 'read' },
  pp_pack_solution: { folder: 'folder', zipFile: 'write' },
  pp_unpack_solution: { zipFile: 'read', folder: 'folder' },
  pp_set_connection_variables: { solution: 'fileOrFolder', settingsFile: 'write' },
  pp_solution_checker: { zipFile: 'read', sarifFile: 'write' },
  pp_export_data: { dataFile: 'write', schemaFile: 'read' },
  pp_import_data: { dataFile: 'read' },
  pp_deploy_package: { packageFile: 'read' },
  pp_submit_catalog: { submissionFile: 'read' },
  pp_download_portal: { folder: 'folder' },
  pp_upload_portal: { folder: 'folder' },
};

export function pathFieldKind(tool: string, field: string): PathKind | undefined {
  return PATH_FIELDS[tool]?.[field];
}

