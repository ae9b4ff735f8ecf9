// Every provider's runtime definition, by name. Adding a provider: a schema folder, its module, one line here.
import { definition as axitech } from './axitech.js';
import { definition as coverkit } from './coverkit.js';
import { definition as insurup } from './insurup.js';
import { definition as kasko } from './kasko.js';

export const definitions = { axitech, coverkit, insurup, kasko } as const;
