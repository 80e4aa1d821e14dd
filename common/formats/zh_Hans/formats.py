# Times on pages: one form in both languages, always with the zone's label (the person's zone,
# activated per request by workflow.preferences). Dates alone keep the locale's form.
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
