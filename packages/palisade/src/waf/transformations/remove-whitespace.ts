import type { Transformation } from '../types.js';

/** `t:removeWhitespace`: drops C `isspace` bytes (\t \n \v \f \r space) and NBSP (0xA0), as ModSecurity v3. */
export const removeWhitespace: Transformation = { name: 'removeWhitespace', fn: (s) => s.replace(/[\t-\r \xa0]+/g, '') };
