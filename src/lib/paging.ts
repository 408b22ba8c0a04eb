/** The paging part of a list answer. */
export function page<T>(items: T[], total: number, pageNumber: number, size: number) {
  return { items, total, page: pageNumber, size, pages: Math.ceil(total / size) };
}
