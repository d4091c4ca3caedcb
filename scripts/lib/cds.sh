# The class-data archive's freshness, shared by bin/facepipe and scripts/cds-archive.sh; source it.
# cds_fresh ARCHIVE CLASSPATH: true when ARCHIVE exists and no entry of CLASSPATH (':'-separated jars)
# is newer than it. A rebuilt jar makes the JVM refuse the archive anyway; this keeps it from trying.
cds_fresh() {
  [ -f "$1" ] && [ -z "$(IFS=:; find $2 -newer "$1" -print -quit 2>/dev/null)" ]
}
