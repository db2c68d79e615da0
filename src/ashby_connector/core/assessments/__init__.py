"""The assessment partner flow: the endpoints Ashby calls and reports into Ashby."""
