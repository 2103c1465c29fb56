{{/* Labels of one service's objects; the selector is the instance and component pair. */}}
{{- define "aegis.selector" -}}
app.kubernetes.io/name: aegis
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "aegis.labels" -}}
{{ include "aegis.selector" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ .root.Chart.Name }}-{{ .root.Chart.Version }}
{{- end }}

{{- define "aegis.podLabels" -}}
{{ include "aegis.labels" . }}
{{- with .root.Values.fault }}
conveyor.dev/fault: {{ . }}
{{- end }}
{{- end }}

{{- define "aegis.probeTiming" -}}
initialDelaySeconds: {{ .Values.probe.initialDelaySeconds }}
periodSeconds: {{ .Values.probe.periodSeconds }}
failureThreshold: {{ .Values.probe.failureThreshold }}
{{- end }}
