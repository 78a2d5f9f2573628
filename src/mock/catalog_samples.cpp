#include "kore_gateway/mock/catalog_samples.hpp"

namespace kore_gateway {

const fake_json& catalog_samples() {
    static const fake_json data = fake_json::parse(R"json([
  {
    "categoryId": "af2f2b0c-f799-44ef-8ea8-1ef69832dd7e",
    "categoryName": "Productivity & Collaboration",
    "products": [
      {
        "productId": "0e809ad4-2179-4210-9b1d-fc7c3717a4ea",
        "productName": "Nimbus Workspace Business",
        "productDescription": "E-mail, calendars, files and meetings for up to 300 users.",
        "productVendorName": "Nimbus Software",
        "productVendorId": "fa580b6c-193e-4f9c-8507-3990b228b7c2",
        "offers": [
          {
            "offerId": "fdb231fb-f671-4fc7-87a5-47a317e35847",
            "offerName": "Nimbus Workspace Business (annual commitment)",
            "offerIndustryTypes": ["Commercial", "Non-profit"],
            "offerIsTrail": false,
            "offerBillingModel": "license",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "8fae2a35-9fe2-44e5-8431-0e3907478b82",
                  "elementKey": "users",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Number of users",
                  "elementMinValue": 1,
                  "elementMaxValue": 300,
                  "elementDefaultValue": 1,
                  "elementOptions": []
                },
                {
                  "elementId": "1a8f0bf0-997e-4b08-8261-235d05df15da",
                  "elementKey": "mailbox_storage",
                  "elementType": "dropdown",
                  "elementIsQuantity": false,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Mailbox storage",
                  "elementMinValue": 0,
                  "elementMaxValue": 0,
                  "elementDefaultValue": 0,
                  "elementOptions": [
                    {
                      "elementOptionId": "83928212-0349-49ba-baa7-8cadd378dbab",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "50 GB mailbox",
                      "elementOptionValue": "50gb"
                    },
                    {
                      "elementOptionId": "64502516-6de4-497f-828b-74f391ac9256",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "100 GB mailbox with unlimited archive",
                      "elementOptionValue": "100gb-archive"
                    }
                  ]
                },
                {
                  "elementId": "73d2581f-d124-4481-be3a-82f4a645d950",
                  "elementKey": "domain_name",
                  "elementType": "text",
                  "elementIsQuantity": false,
                  "elementIsRequired": false,
                  "elementAffectsPrice": false,
                  "elementTitle": "Primary domain name",
                  "elementMinValue": 0,
                  "elementMaxValue": 0,
                  "elementDefaultValue": 0,
                  "elementOptions": []
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly", "yearly"]
            },
            "pricing": {
              "unitPrice": 10.5,
              "hasUsage": false,
              "surcharges": {"mailbox_storage": {"50gb": 0, "100gb-archive": 3.8}}
            }
          },
          {
            "offerId": "7e98e2d4-019d-4546-b006-3553d1853eaa",
            "offerName": "Nimbus Workspace Business (30-day trial)",
            "offerIndustryTypes": ["Commercial"],
            "offerIsTrail": true,
            "offerBillingModel": "license",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "244b21ab-f866-42f0-9425-b2deabca55e2",
                  "elementKey": "users",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Number of users",
                  "elementMinValue": 1,
                  "elementMaxValue": 25,
                  "elementDefaultValue": 5,
                  "elementOptions": []
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly"]
            },
            "pricing": {"unitPrice": 0, "hasUsage": false}
          }
        ]
      },
      {
        "productId": "e771b3bb-2061-4223-8ad2-4f3a70394c10",
        "productName": "Nimbus Meeting Rooms",
        "productDescription": "Room licences for video conferencing devices.",
        "productVendorName": "Nimbus Software",
        "productVendorId": "fa580b6c-193e-4f9c-8507-3990b228b7c2",
        "offers": [
          {
            "offerId": "1608fae6-8f00-44bb-bfe3-57c9b1137284",
            "offerName": "Nimbus Meeting Rooms Standard",
            "offerIndustryTypes": ["Commercial", "Education", "Government"],
            "offerIsTrail": false,
            "offerBillingModel": "license",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "0cd7139e-141f-4569-812d-aa97330a4df2",
                  "elementKey": "rooms",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Number of rooms",
                  "elementMinValue": 1,
                  "elementMaxValue": 50,
                  "elementDefaultValue": 1,
                  "elementOptions": []
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly", "yearly"]
            },
            "pricing": {"unitPrice": 15.0, "hasUsage": false}
          }
        ]
      }
    ]
  },
  {
    "categoryId": "20b4f6f7-578d-4942-a964-b7bbe1b46471",
    "categoryName": "Security",
    "products": [
      {
        "productId": "0762b241-ee95-4874-b0ca-5c5a0f751c90",
        "productName": "Sentinel Endpoint Protection",
        "productDescription": "Anti-malware and device control for laptops and servers.",
        "productVendorName": "Sentinel Labs BV",
        "productVendorId": "bb42e9e3-713c-4bf9-a5ed-03d5e31c3f17",
        "offers": [
          {
            "offerId": "149ee065-4009-4dd0-9b0f-3f4117662715",
            "offerName": "Sentinel Endpoint Protection Advanced",
            "offerIndustryTypes": ["Commercial", "Education", "Healthcare"],
            "offerIsTrail": false,
            "offerBillingModel": "per-device",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "f02647d7-b115-45dc-a268-79c0a3f9efc0",
                  "elementKey": "devices",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Protected devices",
                  "elementMinValue": 5,
                  "elementMaxValue": 5000,
                  "elementDefaultValue": 5,
                  "elementOptions": []
                },
                {
                  "elementId": "d3b44806-4b81-4532-b73c-58e320029604",
                  "elementKey": "managed_detection",
                  "elementType": "checkbox",
                  "elementIsQuantity": false,
                  "elementIsRequired": false,
                  "elementAffectsPrice": true,
                  "elementTitle": "Managed detection and response",
                  "elementMinValue": 0,
                  "elementMaxValue": 0,
                  "elementDefaultValue": 0,
                  "elementOptions": [
                    {
                      "elementOptionId": "cee04ea7-b8df-4de2-92b5-b7a2a5377f4a",
                      "elementOptionType": "checkbox",
                      "elementOptionTitle": "Not included",
                      "elementOptionValue": "false"
                    },
                    {
                      "elementOptionId": "65829fd0-036c-4367-85dc-66a593a4c2bd",
                      "elementOptionType": "checkbox",
                      "elementOptionTitle": "Included (24/7 analysts)",
                      "elementOptionValue": "true"
                    }
                  ]
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly", "yearly"]
            },
            "pricing": {
              "unitPrice": 3.2,
              "hasUsage": false,
              "surcharges": {"managed_detection": {"false": 0, "true": 2.45}}
            }
          }
        ]
      },
      {
        "productId": "9d0eb7a8-9787-4779-85f5-d42f855fac51",
        "productName": "Sentinel Cloud Backup",
        "productDescription": "Image and file backup to European data centres.",
        "productVendorName": "Sentinel Labs BV",
        "productVendorId": "bb42e9e3-713c-4bf9-a5ed-03d5e31c3f17",
        "offers": [
          {
            "offerId": "61bbcbb9-070f-4bf0-a9ab-3196af19cc0c",
            "offerName": "Sentinel Cloud Backup per workload",
            "offerIndustryTypes": ["Commercial", "Healthcare"],
            "offerIsTrail": false,
            "offerBillingModel": "usage",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "4d757e05-6d44-4cfa-a91c-b50d62dce69d",
                  "elementKey": "workloads",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Protected workloads",
                  "elementMinValue": 1,
                  "elementMaxValue": 1000,
                  "elementDefaultValue": 1,
                  "elementOptions": []
                },
                {
                  "elementId": "0f173d24-774c-4c9e-a32c-08d528b5ed30",
                  "elementKey": "retention",
                  "elementType": "dropdown",
                  "elementIsQuantity": false,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Retention",
                  "elementMinValue": 0,
                  "elementMaxValue": 0,
                  "elementDefaultValue": 0,
                  "elementOptions": [
                    {
                      "elementOptionId": "dbfd608f-6d78-4415-b7c8-6047d76187c2",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "30 days",
                      "elementOptionValue": "30d"
                    },
                    {
                      "elementOptionId": "33d28849-87c7-4be7-8982-c3481643f1cb",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "1 year",
                      "elementOptionValue": "1y"
                    },
                    {
                      "elementOptionId": "a122ae7d-48fa-4496-888c-eeb4710cf2e9",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "7 years (compliance)",
                      "elementOptionValue": "7y"
                    }
                  ]
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly"]
            },
            "pricing": {
              "unitPrice": 4.0,
              "hasUsage": true,
              "surcharges": {"retention": {"30d": 0, "1y": 1.5, "7y": 4.25}}
            }
          }
        ]
      }
    ]
  },
  {
    "categoryId": "773d180c-2f2b-435f-b68d-a00873756cb7",
    "categoryName": "Cloud Infrastructure",
    "products": [
      {
        "productId": "ff6c3e60-ccf0-4096-8718-be7c213d23e0",
        "productName": "Stratus Virtual Server",
        "productDescription": "Virtual machines with SSD storage, hosted in Frankfurt.",
        "productVendorName": "Stratus Cloud AG",
        "productVendorId": "862356b3-757f-4441-abb2-4b37416168eb",
        "offers": [
          {
            "offerId": "31fa5e26-87bb-41d3-8bf1-2e429aaf3f01",
            "offerName": "Stratus Virtual Server Flex",
            "offerIndustryTypes": ["Commercial", "Education", "Government", "Non-profit"],
            "offerIsTrail": false,
            "offerBillingModel": "resource",
            "offerPricingPlan": {
              "pricingPlanFormElements": [
                {
                  "elementId": "4beb0aeb-2d17-4723-828c-99b3648ad981",
                  "elementKey": "servers",
                  "elementType": "number",
                  "elementIsQuantity": true,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Number of servers",
                  "elementMinValue": 1,
                  "elementMaxValue": 20,
                  "elementDefaultValue": 1,
                  "elementOptions": []
                },
                {
                  "elementId": "08e3d620-e266-441c-8cb2-7fe6a96e84b4",
                  "elementKey": "vcpu",
                  "elementType": "number",
                  "elementIsQuantity": false,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "vCPUs per server",
                  "elementMinValue": 1,
                  "elementMaxValue": 32,
                  "elementDefaultValue": 2,
                  "elementOptions": []
                },
                {
                  "elementId": "cc8b0405-62a4-4219-b28c-42d91ef2f520",
                  "elementKey": "ram_gb",
                  "elementType": "number",
                  "elementIsQuantity": false,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Memory per server (GB)",
                  "elementMinValue": 2,
                  "elementMaxValue": 256,
                  "elementDefaultValue": 4,
                  "elementOptions": []
                },
                {
                  "elementId": "ec51a09a-f57b-4f7b-8209-60871d32e74c",
                  "elementKey": "operating_system",
                  "elementType": "dropdown",
                  "elementIsQuantity": false,
                  "elementIsRequired": true,
                  "elementAffectsPrice": true,
                  "elementTitle": "Operating system",
                  "elementMinValue": 0,
                  "elementMaxValue": 0,
                  "elementDefaultValue": 0,
                  "elementOptions": [
                    {
                      "elementOptionId": "a3dcb99b-69b6-4f1b-b0b5-6ab7488eab7b",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "Debian 12",
                      "elementOptionValue": "debian-12"
                    },
                    {
                      "elementOptionId": "415d4b61-f768-4a72-9a9e-044cc85587dd",
                      "elementOptionType": "dropdown",
                      "elementOptionTitle": "Windows Server 2022 Standard",
                      "elementOptionValue": "windows-2022"
                    }
                  ]
                }
              ],
              "pricingPlanAvailableBillingCycles": ["monthly", "yearly"]
            },
            "pricing": {
              "unitPrice": 4.9,
              "hasUsage": true,
              "rates": {"vcpu": 6.0, "ram_gb": 1.6},
              "surcharges": {"operating_system": {"debian-12": 0, "windows-2022": 22.5}}
            }
          }
        ]
      }
    ]
  }
])json");
    return data;
}

} // namespace kore_gateway
