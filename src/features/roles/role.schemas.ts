import { stringField, strictBodyObject } from '../../lib/validation.js';

/* What a new role's name may be: the API's body and the CLI's option check it the same way. */

const ROLE_NAME_RULE = 'name must be 2 to 32 lowercase letters, digits, "_" or "-", starting with a letter';
const roleName = stringField('name').regex(/^[a-z][a-z0-9_-]{1,31}$/, { error: ROLE_NAME_RULE });

export const newRoleSchema = strictBodyObject({ name: roleName });
