/** CSS modules (Vite): class names scoped to their file. */
declare module '*.module.css' {
  const classes: Readonly<Record<string, string>>;
  export default classes;
}
