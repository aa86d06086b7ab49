{
  description = "unify-explore: mirror the Unify Bulk API into SQLite and explore it offline";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # Node 20, plus python3 and a C++ toolchain: better-sqlite3 compiles
      # from source during `npm ci`.
      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          packages = [ pkgs.nodejs_20 pkgs.python3 pkgs.gnumake pkgs.gcc pkgs.sqlite ];
        };
      });

      # `nix run . -- demo`: the CLI from this checkout (run `npm ci` first,
      # which builds dist/ and the native module).
      apps = forAll (pkgs: {
        default = {
          type = "app";
          program = toString (pkgs.writeShellScript "unify-explore" ''
            exec ${pkgs.nodejs_20}/bin/node "$PWD/bin/unify-explore" "$@"
          '');
        };
      });
    };
}
