declare const __PACKAGE_VERSION__: string | undefined;

/** The package version, put in by the bundler; a development marker when running from source. */
export const VERSION: string = typeof __PACKAGE_VERSION__ === 'string' ? __PACKAGE_VERSION__ : '0.0.0-dev';
export const USER_AGENT = `power-agent-mcp/${VERSION}`;
