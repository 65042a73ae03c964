/**
 * The kubeconfig transform every Kubernetes provider goes through: AKS's Entra ID user kubeconfig
 * (kubelogin devicecode) becomes one a pipeline can use, and anything that could still prompt is refused.
 */
import { parse } from "yaml";
import { kubeloginArgs, nonInteractiveKubeconfig } from "../../../../components/cluster/non-interactive-kubeconfig";

// The shape `listClusterUserCredential` returns for a managed Entra ID cluster.
const AKS = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0t
    server: https://aks-1a2b.hcp.westeurope.azmk8s.io:443
  name: aks
contexts:
- context:
    cluster: aks
    user: clusterUser_rg_aks
  name: aks
current-context: aks
kind: Config
preferences: {}
users:
- name: clusterUser_rg_aks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 11111111-1111-1111-1111-111111111111
      - --login
      - devicecode
      command: kubelogin
      env: null
      installHint: install kubelogin
      provideClusterInfo: false
`;

const execOf = (text: string) => (parse(text) as { users: { user: { exec: { args: string[]; interactiveMode?: string } } }[] }).users[0].user.exec;

describe("nonInteractiveKubeconfig", () => {
    it.each(["azurecli", "workloadidentity"] as const)("turns devicecode into %s, keeping server, tenant and environment", (login) => {
        const exec = execOf(nonInteractiveKubeconfig(AKS, { login }));
        expect(exec.args).toEqual(["get-token", "--environment", "AzurePublicCloud", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630",
            "--tenant-id", "11111111-1111-1111-1111-111111111111", "--login", login]);
        expect(exec.interactiveMode).toBe("Never");
        expect(exec.args).not.toContain("devicecode");
        expect(exec.args).not.toContain("80faf920-1908-4b52-b5ef-a8e7bedfc67a");
    });

    it("gives spn and msi their own client ID instead of the Azure CLI's public client", () => {
        const id = "44444444-4444-4444-4444-444444444444";
        expect(execOf(nonInteractiveKubeconfig(AKS, { login: "spn", clientId: id })).args.slice(-4)).toEqual(["--login", "spn", "--client-id", id]);
        expect(execOf(nonInteractiveKubeconfig(AKS, { login: "msi" })).args.slice(-2)).toEqual(["--login", "msi"]);
        expect(() => nonInteractiveKubeconfig(AKS, { login: "spn" })).toThrow("login spn needs the service principal's clientId");
        expect(() => nonInteractiveKubeconfig(AKS, { login: "msi", clientId: "me" })).toThrow("clientId must be a GUID");
    });

    it("handles --flag=value and -l forms", () => {
        expect(kubeloginArgs(["get-token", "--login=interactive", "-l", "devicecode", "--server-id=x", "--client-id=y"], { login: "azurecli" }))
            .toEqual(["get-token", "--server-id=x", "--login", "azurecli"]);
    });

    it("refuses what could still prompt or what it cannot judge, naming the user", () => {
        expect(() => nonInteractiveKubeconfig(AKS, { login: "devicecode" as never })).toThrow("login must be one of azurecli, workloadidentity, spn, msi");
        expect(() => nonInteractiveKubeconfig(AKS.replace("command: kubelogin", "command: /usr/local/bin/get-creds"), { login: "azurecli" }))
            .toThrow('user clusterUser_rg_aks runs "/usr/local/bin/get-creds", not kubelogin');
        expect(() => nonInteractiveKubeconfig("users:\n- name: old\n  user:\n    auth-provider: {name: azure}\n", { login: "azurecli" })).toThrow("user old uses the retired auth-provider");
        expect(() => nonInteractiveKubeconfig("kind: Config\n", { login: "azurecli" })).toThrow("no users");
        expect(() => nonInteractiveKubeconfig("users: [", { login: "azurecli" })).toThrow("not YAML");
        expect(() => nonInteractiveKubeconfig(AKS.replace("- get-token", "- convert-kubeconfig"), { login: "azurecli" })).toThrow("not run as get-token");
    });

    it("leaves token and certificate users alone (they never prompt)", () => {
        const out = parse(nonInteractiveKubeconfig("users:\n- name: t\n  user:\n    token: abc\n", { login: "azurecli" }));
        expect(out.users[0].user).toEqual({ token: "abc" });
    });
});
