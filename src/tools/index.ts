import { getEnvironment, listEnvironments } from './environments';
import type { AnyToolDefinition } from './types';
import { whoAmI } from './whoami';

/** The catalog: every tool the product offers, declared once. Servers, LM tools and commands derive from it. */
export const catalog: readonly AnyToolDefinition[] = [whoAmI, listEnvironments, getEnvironment];
